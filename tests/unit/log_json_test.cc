// The JSON log line: always valid JSON, key=value pairs of the message lifted
// to keys of their own.
#include "common/base/log_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sluice {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(LogJson, LiftsKeyValuePairsWhoseValuesMayHoldSpacesAndQuotes) {
  EXPECT_EQ(message_fields("job submitted job=ab12 name=say \"hi\" partitions=3"),
            (Fields{{"job", "ab12"}, {"name", "say \"hi\""}, {"partitions", "3"}}));
  EXPECT_EQ(message_fields("worker refused peer=x reason=too many workers"),
            (Fields{{"peer", "x"}, {"reason", "too many workers"}}));
  EXPECT_EQ(message_fields("job ended reason=\"a b=c\" state=failed"),
            (Fields{{"reason", "\"a"}, {"b", "c\""}, {"state", "failed"}}));
  EXPECT_EQ(message_fields("ended reason=\"x y\" done=1"),
            (Fields{{"reason", "x y"}, {"done", "1"}}));
  EXPECT_EQ(message_fields("url=http://h/?a=b empty= last=1"),
            (Fields{{"url", "http://h/?a=b"}, {"empty", ""}, {"last", "1"}}));
  EXPECT_EQ(message_fields("no pairs here, x = 1, Key=2"), Fields{});
}

TEST(LogJson, LineIsValidJsonWhateverTheMessageHolds) {
  const std::string message = "job submitted job=ab12 name=a\"b\\c\xff\x01 level=evil pid=7";
  const std::string line =
      json_log_line(std::chrono::system_clock::time_point(std::chrono::milliseconds(1234)), "info",
                    "coordinator", 42, message);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["ts"], "1970-01-01T00:00:01.234Z");
  EXPECT_EQ(parsed["level"], "info");
  EXPECT_EQ(parsed["logger"], "coordinator");
  EXPECT_EQ(parsed["pid"], 42);  // not the message's pid=7
  EXPECT_EQ(parsed["job"], "ab12");
  EXPECT_EQ(parsed["name"], "a\"b\\c\xef\xbf\xbd\x01");
  EXPECT_EQ(parsed["msg"].get<std::string>().substr(0, 14), "job submitted ");
}

}  // namespace
}  // namespace sluice
