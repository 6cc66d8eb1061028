#include "source/source_url.h"

#include <gtest/gtest.h>

#include "source/source.h"

namespace dbexport::source {
namespace {

TEST(SourceUrl, ParsesEveryPart) {
  Result<SourceUrl> url = ParseSourceUrl("postgresql://app:p%40ss%2Fw@db.example:6432/shop%20db?sslmode=require");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->scheme, "postgresql");
  EXPECT_EQ(url->user, "app");
  EXPECT_EQ(url->password, "p@ss/w");
  EXPECT_TRUE(url->has_password);
  ASSERT_EQ(url->hosts.size(), 1u);
  EXPECT_EQ(url->hosts[0].first, "db.example");
  EXPECT_EQ(url->hosts[0].second, 6432);
  EXPECT_EQ(url->database, "shop db");
  ASSERT_EQ(url->params.size(), 1u);
  EXPECT_EQ(url->params[0].first, "sslmode");
  EXPECT_EQ(url->params[0].second, "require");
  EXPECT_EQ(url->secrets, (std::vector<std::string>{"p@ss/w", "p%40ss%2Fw"}));
}

TEST(SourceUrl, PostgresHostListsIpv6AndSockets) {
  Result<SourceUrl> url = ParseSourceUrl("postgres://u@h1:5432,[::1]:5433,h3/db");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_EQ(url->hosts.size(), 3u);
  EXPECT_EQ(url->hosts[1].first, "[::1]");
  EXPECT_EQ(url->hosts[1].second, 5433);
  EXPECT_EQ(url->hosts[2].second, 0);
  EXPECT_TRUE(ParseSourceUrl("postgresql:///db").ok());  // the default socket
  EXPECT_FALSE(ParseSourceUrl("mysql://u@h1,h2/db").ok());
  EXPECT_FALSE(ParseSourceUrl("mysql:///db").ok());
}

TEST(SourceUrl, QueryPasswordsAreSecrets) {
  Result<SourceUrl> url = ParseSourceUrl("postgresql://u@h/db?password=hunter%32%32&sslpassword=keypass");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_FALSE(url->has_password);
  EXPECT_EQ(url->secrets, (std::vector<std::string>{"hunter22", "hunter%32%32", "keypass", "keypass"}));
}

// Whatever is wrong, the message never quotes the URL: a malformed URL can
// move a password into any part.
TEST(SourceUrl, ErrorsNeverQuoteTheUrl) {
  const std::string secret = "Zq9secretX";
  const std::vector<std::string> bad = {
      "postgresql://u:" + secret + "%zz@h/db",       // bad escape in the password
      "postgresql://u:" + secret + "%4@h/db",        // cut short
      "postgresql://u:ab/" + secret + "@h/db",       // unescaped '/' moves the rest after the host
      "postgresql://u:" + secret + "@h:99999/db",    // port out of range
      "postgresql://u@h:" + secret + "/db",          // port not a number
      "postgresql://u:pw@h/db?password" + secret,    // parameter without '='
      "postgresql://u:pw@h/db?password=" + secret + "%g1",
      "mysql://u:" + secret + "@h/db?x=1",           // parameters on mysql://
      "mysql://u:" + secret + "@h:1:2/db",
      "postgresql://u:" + secret + "@h/db#frag",
      "postgresql://u:" + secret + "\n@h/db",
      "ftp://u:" + secret + "@h/db",
      "postgresql://u:pw@h/db?bogus" + secret + "=1",  // unknown to libpq (CheckSourceUrl)
  };
  for (const std::string& url : bad) {
    Result<SourceUrl> parsed = CheckSourceUrl(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(parsed.status().message().find(secret), std::string::npos) << parsed.status().message();
    EXPECT_EQ(parsed.status().message().find("Zq9"), std::string::npos) << parsed.status().message();
  }
}

TEST(SourceUrl, NamesThePartThatIsWrong) {
  EXPECT_NE(ParseSourceUrl("postgresql://u:a%zzb@h/db").status().message().find("in the password"), std::string::npos);
  EXPECT_NE(ParseSourceUrl("postgresql://u@h:0/db").status().message().find("the port"), std::string::npos);
  EXPECT_NE(ParseSourceUrl("postgresql://u:a/b@h/db").status().message().find("%2F"), std::string::npos);
  EXPECT_NE(ParseSourceUrl("http://h/db").status().message().find("postgresql://"), std::string::npos);
}

TEST(SourceUrl, RedactedUrlCarriesNoCredentials) {
  EXPECT_EQ(RedactedSourceUrl("postgresql://app:s3cret@db:5432/shop"), "postgresql://app@db:5432/shop");
  EXPECT_EQ(RedactedSourceUrl("postgresql://app@db/shop"), "postgresql://app@db/shop");
  EXPECT_EQ(RedactedSourceUrl("postgresql://db:5432/shop"), "postgresql://db:5432/shop");
  EXPECT_EQ(RedactedSourceUrl("postgresql://app:p%40ss@db/shop?sslmode=require&password=x"),
            "postgresql://app@db/shop");
  EXPECT_EQ(RedactedSourceUrl("mysql://root:pw@127.0.0.1:3306"), "mysql://root@127.0.0.1:3306");
  EXPECT_EQ(RedactedSourceUrl("postgresql://u:bad%zz@h/db"), "");
}

TEST(SourceUrl, WithPasswordEncodesIt) {
  std::string url = WithPassword("postgresql://app@db:5432/shop?sslmode=require", "p@ss/w:rd%");
  EXPECT_EQ(url, "postgresql://app:p%40ss%2Fw%3Ard%25@db:5432/shop?sslmode=require");
  Result<SourceUrl> parsed = ParseSourceUrl(url);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->password, "p@ss/w:rd%");
}

}  // namespace
}  // namespace dbexport::source
