#pragma once
// Just enough XML to read S3's answers (ListBucketResult,
// InitiateMultipartUploadResult, CompleteMultipartUploadResult,
// ListMultipartUploadsResult, Error): elements found by name, their text
// unescaped. No DTDs, no CDATA, no namespaces beyond ignoring attributes:
// anything else is a clear error, never a crash or a guess.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace sluice {

// The inner text (raw, still escaped) of every element named `name`, in
// document order, at any depth: `<name>…</name>` or `<name attr="…">…</name>`,
// `<name/>` for an empty one. `<Key>` never matches `<KeyCount>`. Elements of
// one name must not nest. kDataError when one is not closed, or on a
// `<!DOCTYPE`/`<!ENTITY`/CDATA.
Result<std::vector<std::string_view>> xml_elements(std::string_view xml, std::string_view name);

// Text with the five predefined entities and &#N; / &#xN; decoded (to
// UTF-8). kDataError on a '<' (markup where text was expected), an unknown
// entity or a code point out of range.
Result<std::string> xml_unescape(std::string_view text);

// The unescaped text of the first `name` element; nullopt when there is none.
Result<std::optional<std::string>> xml_first_text(std::string_view xml, std::string_view name);

}  // namespace sluice
