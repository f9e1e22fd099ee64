// UTF-8 validation used by the reader and the JSON writer.

#include <gtest/gtest.h>

#include <string>

#include "common/base/utf8.h"

namespace sluice {
namespace {

constexpr size_t kValid = std::string_view::npos;

TEST(Utf8, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_EQ(find_invalid_utf8(""), kValid);
  EXPECT_EQ(find_invalid_utf8("plain ascii, longer than eight bytes"), kValid);
  EXPECT_EQ(find_invalid_utf8("K\xC3\xB6ln \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"),
            kValid);
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(find_invalid_utf8("abcdefghij\xFF"), 10u);                       // not a lead byte
  EXPECT_EQ(find_invalid_utf8("ab\xC3"), 2u);                                // truncated
  EXPECT_EQ(find_invalid_utf8("ab\xC3\x28"), 2u);                            // bad continuation
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);                              // overlong
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);                          // overlong
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1u);                         // surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);                      // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\x80"), 8u);  // lone continuation
}

}  // namespace
}  // namespace sluice
