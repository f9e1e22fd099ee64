#include "common/s3/xml.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace sluice {
namespace {

bool name_ends(char c) {
  return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace

Result<std::vector<std::string_view>> xml_elements(std::string_view xml, std::string_view name) {
  if (xml.find("<!DOCTYPE") != std::string_view::npos ||
      xml.find("<!ENTITY") != std::string_view::npos ||
      xml.find("<![CDATA[") != std::string_view::npos) {
    return data_error("XML with a DOCTYPE, an ENTITY or CDATA is not expected from S3");
  }
  std::vector<std::string_view> found;
  const std::string open = "<" + std::string(name);
  const std::string close = "</" + std::string(name) + ">";
  size_t at = 0;
  while (true) {
    const size_t start = xml.find(open, at);
    if (start == std::string_view::npos) break;
    const size_t after_name = start + open.size();
    if (after_name >= xml.size()) return data_error(fmt::format("XML ends inside <{}", name));
    if (!name_ends(xml[after_name])) {  // <KeyCount> when looking for <Key>
      at = after_name;
      continue;
    }
    const size_t tag_end = xml.find('>', after_name);
    if (tag_end == std::string_view::npos) {
      return data_error(fmt::format("XML ends inside <{}", name));
    }
    if (xml[tag_end - 1] == '/') {  // <name/>
      found.push_back(std::string_view());
      at = tag_end + 1;
      continue;
    }
    const size_t end = xml.find(close, tag_end + 1);
    if (end == std::string_view::npos) {
      return data_error(fmt::format("XML element <{}> is not closed", name));
    }
    const std::string_view inner = xml.substr(tag_end + 1, end - tag_end - 1);
    if (inner.find(open + ">") != std::string_view::npos) {
      return data_error(fmt::format("XML element <{}> nests inside itself", name));
    }
    found.push_back(inner);
    at = end + close.size();
  }
  return found;
}

Result<std::string> xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') return data_error("XML markup where text was expected");
    if (c != '&') {
      out += c;
      continue;
    }
    const size_t semicolon = text.find(';', i);
    if (semicolon == std::string_view::npos || semicolon - i > 12) {
      return data_error("XML text holds an unterminated entity");
    }
    const std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    i = semicolon;
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      uint32_t code = 0;
      const auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
          code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
        return data_error(fmt::format("XML text holds a bad character reference &{};", entity));
      }
      append_utf8(out, code);
    } else {
      return data_error(fmt::format("XML text holds an unknown entity &{};", entity));
    }
  }
  return out;
}

Result<std::optional<std::string>> xml_first_text(std::string_view xml, std::string_view name) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string_view> elements, xml_elements(xml, name));
  if (elements.empty()) return std::optional<std::string>();
  SLUICE_ASSIGN_OR_RETURN(std::string text, xml_unescape(elements.front()));
  return std::optional<std::string>(std::move(text));
}

}  // namespace sluice
