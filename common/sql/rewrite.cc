#include "common/sql/rewrite.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/expr/parser.h"
#include "common/sql/parser.h"

namespace sluice::sql {
namespace {

constexpr std::string_view kAggregateFunctions[] = {"count", "sum",  "min",           "max",
                                                    "avg",   "mean", "count_distinct"};

bool is_name_token(const SqlToken& token) {
  return token.kind == TokenKind::kIdentifier || token.kind == TokenKind::kQuotedIdentifier;
}

bool is_aggregate_name(const SqlToken& token) {
  if (token.kind != TokenKind::kIdentifier) return false;
  for (std::string_view name : kAggregateFunctions) {
    if (is_word(token, name)) return true;
  }
  return false;
}

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// The index of the ')' closing the '(' at `open`, or `last` when none.
size_t closing(const Statement& s, size_t open, size_t last) {
  int depth = 0;
  for (size_t i = open; i < last; ++i) {
    const SqlToken& token = s.tokens[i];
    if (token.kind != TokenKind::kSymbol) continue;
    if (token.text == "(") ++depth;
    if (token.text == ")" && --depth == 0) return i;
  }
  return last;
}

class Writer {
 public:
  Writer(const RewriteContext& context, Rewritten& out, expr::ExprError& error)
      : c_(context), s_(*context.statement), out_(out), error_(error) {}

  bool write(size_t first, size_t last) {
    for (size_t i = first; i < last; ++i) {
      const SqlToken& token = s_.tokens[i];
      if (is_name_token(token) && i + 2 < last && s_.tokens[i + 1].kind == TokenKind::kSymbol &&
          s_.tokens[i + 1].text == "." && is_name_token(s_.tokens[i + 2])) {
        if (!qualified(i)) return false;
        i += 2;
        continue;
      }
      if (is_aggregate_name(token) && i + 1 < last && s_.tokens[i + 1].kind == TokenKind::kSymbol &&
          s_.tokens[i + 1].text == "(") {
        const size_t close = closing(s_, i + 1, last);
        if (close == last) {
          error_ = {s_.tokens[i + 1].begin, "'(' is never closed"};
          return false;
        }
        if (!aggregate(i, close)) return false;
        i = close;
        continue;
      }
      if (is_symbol(token, ":") && i + 2 < last && is_symbol(s_.tokens[i + 1], ":") &&
          s_.tokens[i + 1].begin == token.end) {
        if (!postfix_cast(i)) return false;
        i += 2;
        continue;
      }
      const bool after_callee = previous_was_callee_;
      const size_t callee_start = primary_start_;
      const size_t start =
          emit(token.begin, token.end, s_.text.substr(token.begin, token.end - token.begin));
      if (is_symbol(token, "(")) {
        open_starts_.push_back(after_callee ? callee_start : start);
      } else if (is_symbol(token, ")") && !open_starts_.empty()) {
        primary_start_ = open_starts_.back();
        open_starts_.pop_back();
      }
      previous_was_callee_ = token.kind == TokenKind::kIdentifier;
    }
    return true;
  }

 private:
  // Appends `text` standing for the statement's bytes [original, end),
  // after one space where the statement has blanks or a comment before it.
  // Returns where `text` starts in the output.
  size_t emit(size_t original, size_t end, std::string_view text) {
    if (!out_.text.empty() && previous_end_ < original) {
      out_.text += ' ';
    }
    const size_t start = out_.text.size();
    out_.anchors.emplace_back(start, original);
    out_.text += text;
    previous_end_ = end;
    previous_was_callee_ = false;
    primary_start_ = start;
    return start;
  }

  static bool is_symbol(const SqlToken& token, std::string_view text) {
    return token.kind == TokenKind::kSymbol && token.text == text;
  }

  // `x::type` (DuckDB's cast): the operand written so far, from
  // primary_start_, becomes CAST(x AS type).
  bool postfix_cast(size_t colon) {
    const SqlToken& type = s_.tokens[colon + 2];
    if (out_.text.empty() || type.kind != TokenKind::kIdentifier) {
      error_ = {s_.tokens[colon].begin, "expected a value before :: and a type after it"};
      return false;
    }
    static constexpr std::string_view kOpen = "CAST(";
    out_.text.insert(primary_start_, kOpen);
    for (auto& anchor : out_.anchors) {
      if (anchor.first >= primary_start_) anchor.first += kOpen.size();
    }
    out_.anchors.emplace_back(out_.text.size(), s_.tokens[colon].begin);
    out_.text += " AS " + type.text + ")";
    previous_end_ = type.end;
    previous_was_callee_ = false;
    return true;
  }

  bool qualified(size_t i) {
    const SqlToken& table = s_.tokens[i];
    const SqlToken& column = s_.tokens[i + 2];
    if (!c_.right_alias.empty() && table.text == c_.right_alias) {
      out_.uses_right = true;
      if (c_.right_keeps_names) {
        emit(table.begin, column.end, quote_name(column.text));
        return true;
      }
      if (c_.right_columns != nullptr &&
          std::find(c_.right_columns->begin(), c_.right_columns->end(), column.text) ==
              c_.right_columns->end()) {
        c_.right_columns->push_back(column.text);
      }
      emit(table.begin, column.end, quote_name(c_.right_alias + "." + column.text));
      return true;
    }
    if (!c_.left_alias.empty() && table.text == c_.left_alias) {
      emit(table.begin, column.end, quote_name(column.text));
      return true;
    }
    std::string known = c_.left_alias.empty() ? "" : "'" + c_.left_alias + "'";
    if (!c_.right_alias.empty()) known += (known.empty() ? "'" : " and '") + c_.right_alias + "'";
    error_ = {table.begin,
              known.empty()
                  ? fmt::format("unknown table '{}': give FROM … AS {} to name it", table.text,
                                table.text)
                  : fmt::format("unknown table '{}' (the query names {})", table.text, known)};
    return false;
  }

  bool aggregate(size_t name, size_t close) {
    const SqlToken& function = s_.tokens[name];
    if (c_.aggregates == nullptr) {
      error_ = {function.begin, fmt::format("aggregate function {}() is not allowed in {}",
                                            lower(function.text), c_.clause)};
      return false;
    }
    std::string call = lower(function.text);
    size_t first = name + 2;
    if (first < close && is_word(s_.tokens[first], "distinct")) {
      if (call != "count") {
        error_ = {s_.tokens[first].begin,
                  fmt::format("{}(DISTINCT …) is not supported; count(DISTINCT x) is", call)};
        return false;
      }
      call = "count_distinct";
      ++first;
    } else if (first < close && is_word(s_.tokens[first], "all")) {
      ++first;
    }
    if (first == close) {
      error_ = {s_.tokens[close].begin, fmt::format("{}() needs an argument", call)};
      return false;
    }
    std::string argument;
    if (first + 1 == close && s_.tokens[first].kind == TokenKind::kSymbol &&
        s_.tokens[first].text == "*") {
      if (call != "count") {
        error_ = {s_.tokens[first].begin, fmt::format("{}(*) is not an aggregate", call)};
        return false;
      }
      argument = "*";
    } else {
      RewriteContext inner = c_;
      inner.aggregates = nullptr;
      inner.clause = "an aggregate's argument";
      Rewritten rewritten;
      if (!rewrite_expression(inner, first, close, rewritten, error_)) return false;
      out_.uses_right = out_.uses_right || rewritten.uses_right;
      argument = rewritten.text;
      if (c_.sources != nullptr) {
        // The aggregate step's expression is call(argument): its argument's
        // pieces shifted past "call(".
        ExpressionSource source{call + "(" + argument + ")", {}};
        for (const auto& [at, from] : rewritten.anchors) {
          source.anchors.emplace_back(at + call.size() + 1, from);
        }
        c_.sources->push_back(std::move(source));
      }
    }
    const std::string& column = c_.aggregates->column_of(call + "(" + argument + ")");
    emit(function.begin, s_.tokens[close].end, quote_name(column));
    return true;
  }

  const RewriteContext& c_;
  const Statement& s_;
  Rewritten& out_;
  expr::ExprError& error_;
  size_t previous_end_ = 0;
  // Where the last operand written starts in the output (for `::`), where
  // each open '(' group (or call) starts, and whether the last token was a
  // name that a '(' makes a call.
  size_t primary_start_ = 0;
  std::vector<size_t> open_starts_;
  bool previous_was_callee_ = false;
};

}  // namespace

const std::string& Aggregates::column_of(const std::string& call) {
  for (const AggregateCall& known : calls) {
    if (known.call == call) return known.name;
  }
  calls.push_back(AggregateCall{call, "__agg_" + std::to_string(calls.size() + 1)});
  return calls.back().name;
}

size_t Rewritten::original(size_t position) const {
  size_t result = anchors.empty() ? 0 : anchors.front().second;
  for (const auto& [at, from] : anchors) {
    if (at > position) break;
    result = from + (position - at);
  }
  return result;
}

bool rewrite_expression(const RewriteContext& context, size_t first, size_t last, Rewritten& out,
                        expr::ExprError& error) {
  out = Rewritten();
  Writer writer(context, out, error);
  if (!writer.write(first, last)) return false;
  expr::ExprError parse_error;
  if (expr::parse_expression(out.text, parse_error) == nullptr) {
    const SqlToken& after = context.statement->tokens[last];
    if (parse_error.position >= out.text.size()) {
      // The expression ended too soon: point at what ended it.
      std::string found =
          after.kind == TokenKind::kEnd ? "the end of the statement" : "'" + after.text + "'";
      std::string message = parse_error.message;
      const size_t at = message.find("end of expression");
      if (at != std::string::npos) message.replace(at, 17, found);
      error = {after.begin, message};
      return false;
    }
    error = {out.original(parse_error.position), parse_error.message};
    return false;
  }
  return true;
}

bool has_aggregate_call(const Statement& statement, size_t first, size_t last) {
  for (size_t i = first; i + 1 < last; ++i) {
    const SqlToken& next = statement.tokens[i + 1];
    if (is_aggregate_name(statement.tokens[i]) && next.kind == TokenKind::kSymbol &&
        next.text == "(") {
      return true;
    }
  }
  return false;
}

void columns_of(const std::string& text, std::vector<std::string>& names) {
  expr::ExprError error;
  const expr::NodePtr root = expr::parse_expression(text, error);
  if (root == nullptr) return;
  std::vector<const expr::Node*> pending = {root.get()};
  while (!pending.empty()) {
    const expr::Node* node = pending.back();
    pending.pop_back();
    if (node->kind == expr::NodeKind::kColumn &&
        std::find(names.begin(), names.end(), node->name) == names.end()) {
      names.push_back(node->name);
    }
    for (auto child = node->children.rbegin(); child != node->children.rend(); ++child) {
      pending.push_back(child->get());
    }
  }
}

std::string quote_name(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

bool plain_column(const Statement& statement, size_t first, size_t last, std::string& qualifier,
                  std::string& name) {
  const auto& tokens = statement.tokens;
  const auto keyword = [](const SqlToken& token) {
    return is_word(token, "null") || is_word(token, "true") || is_word(token, "false");
  };
  if (last == first + 1 && is_name_token(tokens[first]) && !keyword(tokens[first])) {
    qualifier.clear();
    name = tokens[first].text;
    return true;
  }
  if (last == first + 3 && is_name_token(tokens[first]) &&
      tokens[first + 1].kind == TokenKind::kSymbol && tokens[first + 1].text == "." &&
      is_name_token(tokens[first + 2])) {
    qualifier = tokens[first].text;
    name = tokens[first + 2].text;
    return true;
  }
  return false;
}

std::string expression_key(const Statement& statement, size_t first, size_t last) {
  std::string key;
  for (size_t i = first; i < last; ++i) {
    const SqlToken& token = statement.tokens[i];
    switch (token.kind) {
      case TokenKind::kIdentifier:
        key += "n" + lower(token.text);
        break;
      case TokenKind::kQuotedIdentifier:
        key += "n" + token.text;
        break;
      case TokenKind::kString:
        key += "s" + token.text;
        break;
      default:
        key += "o" + token.text;
        break;
    }
    key += '\x1f';
  }
  return key;
}

std::string expression_text(const Statement& statement, size_t first, size_t last) {
  std::string text;
  for (size_t i = first; i < last; ++i) {
    const SqlToken& token = statement.tokens[i];
    if (i > first && token.begin > statement.tokens[i - 1].end) {
      const SqlToken& previous = statement.tokens[i - 1];
      const bool tight =
          (previous.kind == TokenKind::kSymbol && (previous.text == "(" || previous.text == ".")) ||
          (token.kind == TokenKind::kSymbol &&
           (token.text == ")" || token.text == "," || token.text == "."));
      if (!tight) text += ' ';
    }
    text += statement.text.substr(token.begin, token.end - token.begin);
  }
  return text;
}

}  // namespace sluice::sql
