// SigV4 against published vectors:
//  - the AWS Signature Version 4 test suite (as kept in awslabs/aws-c-auth
//    tests/aws-signing-test-suite/v4/<name>/: request.txt,
//    header-canonical-request.txt, header-signature.txt), credentials
//    AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z,
//    region us-east-1, service "service";
//  - the examples of the S3 API reference, "Signature Calculations for the
//    Authorization Header: Transferring Payload in a Single Chunk".

#include "storage/s3/sigv4.h"

#include <gtest/gtest.h>

namespace dbexport::s3 {
namespace {

const AwsCredentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr char kSuiteDate[] = "20150830T123600Z";
constexpr char kSessionToken[] =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIY"
    "RqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDv"
    "p75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPO"
    "Ln9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

std::string HeaderValue(const SigV4Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

struct SuiteCase {
  const char* name;
  SigV4Request request;
  AwsCredentials credentials;
  const char* canonical_request;
  const char* signed_headers;
  const char* signature;
};

std::vector<SuiteCase> SuiteCases() {
  const std::string empty(kEmptyPayloadSha256);
  const std::string form_sha = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
  AwsCredentials with_token = kSuiteCredentials;
  with_token.session_token = kSessionToken;
  return {
      {"get-vanilla",
       {"GET", "/", {}, {{"Host", "example.amazonaws.com"}}, empty},
       kSuiteCredentials,
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       {"GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}, {{"Host", "example.amazonaws.com"}}, empty},
       kSuiteCredentials,
       "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-empty-query-key",
       {"GET", "/", {{"Param1", "value1"}}, {{"Host", "example.amazonaws.com"}}, empty},
       kSuiteCredentials, nullptr, "host;x-amz-date",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-unreserved",
       {"GET", "/",
        {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
          "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}},
        {{"Host", "example.amazonaws.com"}}, empty},
       kSuiteCredentials, nullptr, "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-unreserved",
       {"GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", {},
        {{"Host", "example.amazonaws.com"}}, empty},
       kSuiteCredentials, nullptr, "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       {"GET", "/\xE1\x88\xB4", {}, {{"Host", "example.amazonaws.com"}}, empty},
       kSuiteCredentials,
       "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-space-normalized",
       {"GET", "/example space/", {}, {{"Host", "example.amazonaws.com"}}, empty},
       kSuiteCredentials, nullptr, "host;x-amz-date",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-header-value-trim",
       {"GET", "/", {},
        {{"Host", "example.amazonaws.com"}, {"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
        empty},
       kSuiteCredentials,
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       {"GET", "/", {},
        {{"Host", "example.amazonaws.com"}, {"My-Header1", "value2"}, {"My-Header1", "value2"},
         {"My-Header1", "value1"}},
        empty},
       kSuiteCredentials,
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      // Signed body: the suite adds x-amz-content-sha256 ("sign_body": true).
      {"post-x-www-form-urlencoded",
       {"POST", "/", {},
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"Host", "example.amazonaws.com"},
         {"Content-Length", "13"}, {"x-amz-content-sha256", form_sha}},
        form_sha},
       kSuiteCredentials,
       "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\n"
       "host:example.amazonaws.com\n"
       "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n"
       "x-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
       "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
      // Session token signed with the request ("omit_session_token": false).
      {"post-sts-header-before",
       {"POST", "/", {}, {{"Host", "example.amazonaws.com"}}, empty},
       with_token, nullptr, "host;x-amz-date;x-amz-security-token",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
}

TEST(SigV4, SuiteVectorsSignAndCanonicalize) {
  for (SuiteCase& c : SuiteCases()) {
    SCOPED_TRACE(c.name);
    SigV4Request request = c.request;
    ASSERT_TRUE(SignRequest(&request, c.credentials, "us-east-1", "service", kSuiteDate).ok());
    EXPECT_EQ(HeaderValue(request, "x-amz-date"), kSuiteDate);
    EXPECT_EQ(HeaderValue(request, "Authorization"),
              std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                          "SignedHeaders=") +
                  c.signed_headers + ", Signature=" + c.signature);
    if (c.canonical_request != nullptr) {
      auto parsed = ParseAuthorization(HeaderValue(request, "Authorization"));
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(CanonicalRequest(request, parsed->signed_headers), c.canonical_request);
    }
  }
}

TEST(SigV4, SuiteStringToSignGetVanilla) {
  std::string canonical =
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(StringToSign(kSuiteDate, CredentialScope("20150830", "us-east-1", "service"), Sha256Hex(canonical)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

// post-sts-header-after: the token is added after signing and not signed
// ("omit_session_token": true). This is the verifier's path: the signature
// is recomputed from the parsed Authorization header, whatever else the
// request carries.
TEST(SigV4, VerifiesSuiteRequestWithUnsignedTokenHeader) {
  SigV4Request request{"POST", "/", {},
                       {{"Host", "example.amazonaws.com"},
                        {"X-Amz-Security-Token", kSessionToken},
                        {"X-Amz-Date", "20150830T123600Z"}},
                       std::string(kEmptyPayloadSha256)};
  auto auth = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(auth->date, "20150830");
  EXPECT_EQ(auth->region, "us-east-1");
  EXPECT_EQ(auth->service, "service");
  std::string to_sign =
      StringToSign("20150830T123600Z", auth->Scope(), Sha256Hex(CanonicalRequest(request, auth->signed_headers)));
  EXPECT_EQ(to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87");
  std::string expected = Signature(kSuiteCredentials.secret_access_key, auth->date, auth->region,
                                   auth->service, to_sign);
  EXPECT_TRUE(SignaturesEqual(expected, auth->signature));
  std::string tampered = expected;
  tampered[0] = tampered[0] == '0' ? '1' : '0';
  EXPECT_FALSE(SignaturesEqual(tampered, auth->signature));
}

// S3 API reference examples: examplebucket, AKIAIOSFODNN7EXAMPLE,
// 20130524T000000Z, us-east-1.
const AwsCredentials kS3DocCredentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4, S3DocGetObjectExample) {
  SigV4Request request{"GET", "/test.txt", {},
                       {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                       std::string(kEmptyPayloadSha256)};
  ASSERT_TRUE(SignRequest(&request, kS3DocCredentials, "us-east-1", "s3", "20130524T000000Z").ok());
  EXPECT_EQ(HeaderValue(request, "x-amz-content-sha256"), kEmptyPayloadSha256);
  EXPECT_EQ(CanonicalRequest(request, {"host", "range", "x-amz-content-sha256", "x-amz-date"}),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HeaderValue(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3DocPutObjectExample) {
  const std::string payload = "Welcome to Amazon S3.";
  EXPECT_EQ(Sha256Hex(payload), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Request request{"PUT", "/test$file.text", {},
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                        {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                       Sha256Hex(payload)};
  ASSERT_TRUE(SignRequest(&request, kS3DocCredentials, "us-east-1", "s3", "20130524T000000Z").ok());
  EXPECT_EQ(HeaderValue(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, S3DocGetBucketLifecycleExample) {
  SigV4Request request{"GET", "/", {{"lifecycle", ""}}, {{"Host", "examplebucket.s3.amazonaws.com"}},
                       std::string(kEmptyPayloadSha256)};
  ASSERT_TRUE(SignRequest(&request, kS3DocCredentials, "us-east-1", "s3", "20130524T000000Z").ok());
  EXPECT_EQ(HeaderValue(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, S3DocListObjectsExample) {
  SigV4Request request{"GET", "/", {{"max-keys", "2"}, {"prefix", "J"}},
                       {{"Host", "examplebucket.s3.amazonaws.com"}}, std::string(kEmptyPayloadSha256)};
  ASSERT_TRUE(SignRequest(&request, kS3DocCredentials, "us-east-1", "s3", "20130524T000000Z").ok());
  EXPECT_EQ(HeaderValue(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4, UriEncodeKeepsUnreservedAndSlashInPaths) {
  EXPECT_EQ(UriEncode("a b/c+d=e&f~g", /*encode_slash=*/false), "a%20b/c%2Bd%3De%26f~g");
  EXPECT_EQ(UriEncode("a/b"), "a%2Fb");
  EXPECT_EQ(UriEncode("\xC3\xA9"), "%C3%A9");
}

TEST(SigV4, UriDecode) {
  auto decoded = UriDecode("a%20b%2Fc+d");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "a b/c+d");
  EXPECT_EQ(UriDecode("abc%2").status(),
            InvalidArgument("decoding URI component 'abc%2': truncated %-escape"));
  EXPECT_EQ(UriDecode("abc%zz").status(), InvalidArgument("decoding URI component 'abc%zz': bad %-escape"));
}

TEST(SigV4, AmzDateFormatAndParse) {
  EXPECT_EQ(FormatAmzDate(1440938160999), "20150830T123600Z");
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), std::optional<int64_t>(1440938160000));
  EXPECT_EQ(ParseAmzDate(AmzDateNow()).has_value(), true);
  EXPECT_EQ(ParseAmzDate("20150830T123600"), std::nullopt);
  EXPECT_EQ(ParseAmzDate("2015-08-30T12:36:00Z"), std::nullopt);
  EXPECT_EQ(ParseAmzDate("20150830T123600Zx"), std::nullopt);
}

TEST(SigV4, SignRequestRejectsMissingInputs) {
  SigV4Request no_host{"GET", "/", {}, {}, std::string(kEmptyPayloadSha256)};
  EXPECT_EQ(SignRequest(&no_host, kSuiteCredentials, "us-east-1", "s3", kSuiteDate),
            InvalidArgument("signing GET /: no host header"));
  SigV4Request no_hash{"GET", "/", {}, {{"host", "h"}}, ""};
  EXPECT_EQ(SignRequest(&no_hash, kSuiteCredentials, "us-east-1", "s3", kSuiteDate),
            InvalidArgument("signing GET /: payload SHA-256 not set"));
  SigV4Request ok{"GET", "/", {}, {{"host", "h"}}, std::string(kEmptyPayloadSha256)};
  EXPECT_EQ(SignRequest(&ok, AwsCredentials{}, "us-east-1", "s3", kSuiteDate),
            InvalidArgument("signing GET /: no AWS credentials (access key id and secret access key)"));
}

TEST(SigV4, SignRequestReplacesPreviousSignature) {
  SigV4Request request{"GET", "/", {}, {{"Host", "example.amazonaws.com"}}, std::string(kEmptyPayloadSha256)};
  ASSERT_TRUE(SignRequest(&request, kSuiteCredentials, "us-east-1", "service", kSuiteDate).ok());
  ASSERT_TRUE(SignRequest(&request, kSuiteCredentials, "us-east-1", "service", kSuiteDate).ok());
  EXPECT_EQ(request.headers.size(), 3u);
  EXPECT_EQ(HeaderValue(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, ParseAuthorizationRejectsMalformedHeaders) {
  EXPECT_EQ(ParseAuthorization("AWS AKID:sig").status(),
            Unauthenticated("parsing Authorization header: algorithm is not AWS4-HMAC-SHA256"));
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service, "
                               "SignedHeaders=host, Signature=" + std::string(64, 'a'))
                .status(),
            Unauthenticated("parsing Authorization header: Credential is not "
                            "<key id>/<YYYYMMDD>/<region>/<service>/aws4_request"));
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, "
                               "SignedHeaders=host, Signature=abc")
                .status(),
            Unauthenticated("parsing Authorization header: Signature is not 64 hex digits"));
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, "
                               "Signature=" + std::string(64, 'a'))
                .status(),
            Unauthenticated("parsing Authorization header: no SignedHeaders"));
}

}  // namespace
}  // namespace dbexport::s3
