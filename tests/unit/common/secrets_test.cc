#include "common/secrets.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace dbexport {
namespace {

TEST(Secrets, RegisteredSecretsAreRedactedEverywhere) {
  RegisterSecret("tiger-7781");
  EXPECT_EQ(RedactSecrets("password authentication failed: tiger-7781, again tiger-7781"),
            "password authentication failed: ****, again ****");
  EXPECT_EQ(RedactSecrets("nothing secret here"), "nothing secret here");
}

TEST(Secrets, LongerSecretsFirstSoNoneIsHalfRedacted) {
  RegisterSecret("abcd");
  RegisterSecret("abcdefgh-long");
  EXPECT_EQ(RedactSecrets("x abcdefgh-long y abcd"), "x **** y ****");
}

TEST(Secrets, ShortStringsAreNotRegistered) {
  RegisterSecret("pw");
  EXPECT_EQ(RedactSecrets("pwned"), "pwned");
}

TEST(Secrets, ConcurrentUse) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([i] {
      for (int k = 0; k < 200; ++k) {
        RegisterSecret("secret-" + std::to_string(i) + "-" + std::to_string(k));
        EXPECT_EQ(RedactSecrets("secret-" + std::to_string(i) + "-" + std::to_string(k) + "!"), "****!");
      }
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace dbexport
