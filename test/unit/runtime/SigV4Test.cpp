//===- SigV4Test.cpp - The signer against AWS's SigV4 test suite ----------===//
//
// Vectors from AWS's published aws-sig-v4-test-suite (as shipped in
// botocore's tests/unit/auth/aws4_testsuite): credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1, service
// "service", 20150830T123600Z. Each checks the canonical request, the string
// to sign and the Authorization header.
//
//===----------------------------------------------------------------------===//
#include "sigv4.h"

#include <gtest/gtest.h>

using namespace fusionize::detail;

namespace {

const aws_credentials kCredentials = {
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const char kDate[] = "20150830T123600Z";
const char kScope[] = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

struct vector_case {
  const char *name;
  sigv4_request request;
  const char *canonical_request;
  const char *string_to_sign;
  const char *signed_headers;
  const char *signature;
};

const char kToken[] =
    "AQoDYXdzEPT//////////"
    "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIe"
    "o"
    "IYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"
    "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9H"
    "F"
    "vlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
    "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

std::vector<vector_case> cases() {
  using H = std::vector<std::pair<std::string, std::string>>;
  const H base = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}};
  auto with = [&](H extra) {
    H h = base;
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  };
  return {
      {"get-vanilla",
       {"GET", "/", "", base, ""},
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       {"GET", "/", "Param2=value2&Param1=value1", base, ""},
       "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-header-value-trim",
       {"GET", "/", "",
        with({{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
        ""},
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\n"
       "my-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n"
       "host;my-header1;my-header2;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       {"GET", "/", "",
        with({{"My-Header1", "value2"},
              {"My-Header1", "value2"},
              {"My-Header1", "value1"}}),
        ""},
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"post-vanilla",
       {"POST", "/", "", base, ""},
       "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-x-www-form-urlencoded",
       {"POST", "/", "",
        with({{"Content-Type", "application/x-www-form-urlencoded"}}),
        "Param1=value1"},
       "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
       "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "content-type;host;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters",
       {"POST", "/", "",
        with({{"Content-Type",
               "application/x-www-form-urlencoded; charset=utf8"}}),
        "Param1=value1"},
       "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; "
       "charset=utf8\n"
       "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "content-type;host;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
       "content-type;host;x-amz-date",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
      {"post-sts-header-before",
       {"POST", "/", "", with({{"X-Amz-Security-Token", kToken}}), ""},
       nullptr, // long; the signature covers it
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
       "aws4_request\n"
       "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
       "host;x-amz-date;x-amz-security-token",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
}

} // namespace

TEST(SigV4, AwsTestSuite) {
  for (const vector_case &c : cases()) {
    SCOPED_TRACE(c.name);
    sigv4_signature sig =
        sigv4_sign(c.request, kCredentials, "us-east-1", "service", kDate);
    if (c.canonical_request)
      EXPECT_EQ(sig.canonical_request, c.canonical_request);
    EXPECT_EQ(sig.string_to_sign, c.string_to_sign);
    EXPECT_EQ(sig.authorization, std::string("AWS4-HMAC-SHA256 Credential=") +
                                     kScope +
                                     ", SignedHeaders=" + c.signed_headers +
                                     ", Signature=" + c.signature);
  }
}

TEST(SigV4, Helpers) {
  EXPECT_EQ(sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
  EXPECT_EQ(uri_encode("a b/c:d~", false), "a%20b/c%3Ad~");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b%2Fc");
}

TEST(SigV4, LambdaPathsAreEncodedTwice) {
  // A function ARN in the path: sent once encoded, canonical twice (every
  // service but S3).
  sigv4_request req{
      "POST",
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/"
      "invocations",
      "",
      {{"host", "lambda.us-east-1.amazonaws.com"}, {"x-amz-date", kDate}},
      "[]"};
  sigv4_signature sig =
      sigv4_sign(req, kCredentials, "us-east-1", "lambda", kDate);
  EXPECT_NE(
      sig.canonical_request.find("\n/2015-03-31/functions/"
                                 "arn%253Aaws%253Alambda%253Aus-east-1%253A1%"
                                 "253Afunction%253Af/invocations\n"),
      std::string::npos)
      << sig.canonical_request;
  sigv4_signature s3 =
      sigv4_sign(req, kCredentials, "us-east-1", "s3", kDate, false);
  EXPECT_NE(s3.canonical_request.find("arn%3Aaws"), std::string::npos);
}
