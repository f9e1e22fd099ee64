#include "common/expr/parser.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "common/base/limits.h"
#include "common/expr/lexer.h"

namespace sluice::expr {
namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Where the tree first gets deeper than limits::kExpressionDepthMax, or
// nullptr; without recursion.
const Node* too_deep_node(const Node& root) {
  std::vector<std::pair<const Node*, size_t>> pending = {{&root, 1}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (depth > limits::kExpressionDepthMax) return node;
    for (const NodePtr& child : node->children) pending.emplace_back(child.get(), depth + 1);
  }
  return nullptr;
}

std::string too_deep_message() {
  return fmt::format("expression deeper than {} levels (operators, calls and parentheses)",
                     limits::kExpressionDepthMax);
}

constexpr std::string_view kReservedWords[] = {"and",  "or",    "not",     "in",   "is",   "null",
                                               "true", "false", "between", "like", "case", "when",
                                               "then", "else",  "end",     "cast", "as"};

class Parser {
 public:
  Parser(std::vector<Token> tokens, ExprError& error) : tokens_(std::move(tokens)), error_(error) {}

  NodePtr parse() {
    NodePtr node = parse_or();
    if (node && peek().kind != TokenKind::kEnd)
      return fail(peek(), "unexpected " + describe(peek()));
    return node;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    const size_t index = std::min(next_ + ahead, tokens_.size() - 1);
    return tokens_[index];
  }
  const Token& advance() { return tokens_[std::min(next_++, tokens_.size() - 1)]; }

  bool is_keyword(const Token& token, std::string_view word) const {
    return token.kind == TokenKind::kIdentifier && equals_ignore_case(token.text, word);
  }
  bool is_symbol(const Token& token, std::string_view symbol) const {
    return token.kind == TokenKind::kSymbol && token.text == symbol;
  }
  bool accept_keyword(std::string_view word) {
    if (!is_keyword(peek(), word)) return false;
    advance();
    return true;
  }
  bool accept_symbol(std::string_view symbol) {
    if (!is_symbol(peek(), symbol)) return false;
    advance();
    return true;
  }
  bool expect_keyword(std::string_view word) {
    if (accept_keyword(word)) return true;
    fail(peek(), fmt::format("expected {}, found {}", upper(word), describe(peek())));
    return false;
  }
  bool expect_symbol(std::string_view symbol) {
    if (accept_symbol(symbol)) return true;
    fail(peek(), fmt::format("expected '{}', found {}", symbol, describe(peek())));
    return false;
  }

  static std::string upper(std::string_view word) {
    std::string out(word);
    for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return out;
  }
  static std::string describe(const Token& token) {
    switch (token.kind) {
      case TokenKind::kEnd:
        return "end of expression";
      case TokenKind::kString:
        return fmt::format("string '{}'", token.text);
      case TokenKind::kQuotedIdentifier:
        return fmt::format("\"{}\"", token.text);
      default:
        return fmt::format("'{}'", token.text);
    }
  }

  // One level of the parser's recursion (a parenthesis, an argument, NOT,
  // unary minus) for as long as it lives; past limits::kExpressionNestingMax
  // the parse fails instead of exhausting the stack.
  class Nesting {
   public:
    explicit Nesting(Parser& parser) : parser_(parser) { ++parser_.nesting_; }
    ~Nesting() { --parser_.nesting_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    bool too_deep() const {
      if (parser_.nesting_ <= limits::kExpressionNestingMax) return false;
      parser_.fail(parser_.peek(), fmt::format("expression nested more than {} levels deep",
                                               limits::kExpressionNestingMax));
      return true;
    }

   private:
    Parser& parser_;
  };

  // Fails when `node` is deeper than limits::kExpressionDepthMax, before a
  // clone_node() (recursive) copies it.
  bool too_deep_to_copy(const Node& node) {
    const Node* deep = too_deep_node(node);
    if (!deep) return false;
    fail_at(deep->position, too_deep_message());
    return true;
  }

  NodePtr fail_at(size_t position, std::string message) {
    if (!failed_) error_ = {position, std::move(message)};
    failed_ = true;
    return nullptr;
  }

  NodePtr fail(const Token& token, std::string message) {
    if (!failed_) error_ = {token.position, std::move(message)};
    failed_ = true;
    return nullptr;
  }

  static NodePtr binary(NodeKind kind, size_t position, NodePtr left, NodePtr right) {
    NodePtr node = make_node(kind, position);
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }
  static NodePtr compare(CompareOp op, size_t position, NodePtr left, NodePtr right) {
    NodePtr node = binary(NodeKind::kCompare, position, std::move(left), std::move(right));
    node->compare_op = op;
    return node;
  }
  static NodePtr negate_if(bool negated, size_t position, NodePtr node) {
    if (!negated) return node;
    NodePtr not_node = make_node(NodeKind::kNot, position);
    not_node->children.push_back(std::move(node));
    return not_node;
  }

  NodePtr parse_or() {
    const Nesting nesting(*this);
    if (nesting.too_deep()) return nullptr;
    NodePtr left = parse_and();
    while (left && is_keyword(peek(), "or")) {
      const size_t position = advance().position;
      NodePtr right = parse_and();
      if (!right) return nullptr;
      left = binary(NodeKind::kOr, position, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_and() {
    NodePtr left = parse_not();
    while (left && is_keyword(peek(), "and")) {
      const size_t position = advance().position;
      NodePtr right = parse_not();
      if (!right) return nullptr;
      left = binary(NodeKind::kAnd, position, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_not() {
    if (is_keyword(peek(), "not")) {
      const Nesting nesting(*this);
      if (nesting.too_deep()) return nullptr;
      const size_t position = advance().position;
      NodePtr operand = parse_not();
      if (!operand) return nullptr;
      return negate_if(true, position, std::move(operand));
    }
    return parse_predicate();
  }

  NodePtr parse_predicate() {
    NodePtr left = parse_concat();
    if (!left) return nullptr;
    const Token& token = peek();
    if (token.kind == TokenKind::kSymbol) {
      static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
          {"=", CompareOp::kEq},  {"==", CompareOp::kEq}, {"!=", CompareOp::kNe},
          {"<>", CompareOp::kNe}, {"<", CompareOp::kLt},  {"<=", CompareOp::kLe},
          {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
      for (const auto& [symbol, op] : kOps) {
        if (token.text == symbol) {
          const size_t position = advance().position;
          NodePtr right = parse_concat();
          if (!right) return nullptr;
          return compare(op, position, std::move(left), std::move(right));
        }
      }
      return left;
    }
    if (is_keyword(token, "is")) {
      const size_t position = advance().position;
      const bool negated = accept_keyword("not");
      if (!expect_keyword("null")) return nullptr;
      NodePtr node = make_node(NodeKind::kIsNull, position);
      node->negated = negated;
      node->children.push_back(std::move(left));
      return node;
    }
    bool negated = false;
    size_t not_position = token.position;
    if (is_keyword(token, "not") && (is_keyword(peek(1), "in") || is_keyword(peek(1), "between") ||
                                     is_keyword(peek(1), "like"))) {
      advance();
      negated = true;
    }
    if (is_keyword(peek(), "in")) return parse_in(std::move(left), negated, not_position);
    if (is_keyword(peek(), "between")) return parse_between(std::move(left), negated, not_position);
    if (is_keyword(peek(), "like")) {
      const size_t position = advance().position;
      NodePtr pattern = parse_concat();
      if (!pattern) return nullptr;
      NodePtr node = binary(NodeKind::kLike, position, std::move(left), std::move(pattern));
      node->negated = negated;
      return node;
    }
    return left;
  }

  // x IN (a, b) becomes x = a OR x = b, which has the SQL NULL semantics.
  // The ORs form a balanced tree, so a list of any length stays shallow.
  NodePtr parse_in(NodePtr left, bool negated, size_t not_position) {
    const size_t position = advance().position;
    if (!expect_symbol("(")) return nullptr;
    if (too_deep_to_copy(*left)) return nullptr;
    std::vector<NodePtr> terms;
    do {
      const size_t item_position = peek().position;
      NodePtr item = parse_or();
      if (!item) return nullptr;
      terms.push_back(compare(CompareOp::kEq, item_position, clone_node(*left), std::move(item)));
    } while (accept_symbol(","));
    if (!expect_symbol(")")) return nullptr;
    while (terms.size() > 1) {  // pairs, in order: (t0 OR t1) OR (t2 OR t3) ...
      std::vector<NodePtr> pairs;
      for (size_t i = 0; i + 1 < terms.size(); i += 2) {
        pairs.push_back(
            binary(NodeKind::kOr, position, std::move(terms[i]), std::move(terms[i + 1])));
      }
      if (terms.size() % 2 == 1) pairs.push_back(std::move(terms.back()));
      terms = std::move(pairs);
    }
    return negate_if(negated, not_position, std::move(terms.front()));
  }

  NodePtr parse_between(NodePtr left, bool negated, size_t not_position) {
    const size_t position = advance().position;
    if (too_deep_to_copy(*left)) return nullptr;
    NodePtr low = parse_concat();
    if (!low) return nullptr;
    if (!expect_keyword("and")) return nullptr;
    NodePtr high = parse_concat();
    if (!high) return nullptr;
    NodePtr lower_check = compare(CompareOp::kGe, position, clone_node(*left), std::move(low));
    NodePtr upper_check = compare(CompareOp::kLe, position, std::move(left), std::move(high));
    NodePtr both = binary(NodeKind::kAnd, position, std::move(lower_check), std::move(upper_check));
    return negate_if(negated, not_position, std::move(both));
  }

  NodePtr parse_concat() {
    NodePtr left = parse_additive();
    while (left && is_symbol(peek(), "||")) {
      const size_t position = advance().position;
      NodePtr right = parse_additive();
      if (!right) return nullptr;
      left = binary(NodeKind::kConcat, position, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_additive() {
    NodePtr left = parse_multiplicative();
    while (left && (is_symbol(peek(), "+") || is_symbol(peek(), "-"))) {
      const Token& token = advance();
      const ArithOp op = token.text == "+" ? ArithOp::kAdd : ArithOp::kSub;
      NodePtr right = parse_multiplicative();
      if (!right) return nullptr;
      left = binary(NodeKind::kArith, token.position, std::move(left), std::move(right));
      left->arith_op = op;
    }
    return left;
  }

  NodePtr parse_multiplicative() {
    NodePtr left = parse_unary();
    while (left && (is_symbol(peek(), "*") || is_symbol(peek(), "/") || is_symbol(peek(), "%"))) {
      const Token& token = advance();
      const ArithOp op = token.text == "*"   ? ArithOp::kMul
                         : token.text == "/" ? ArithOp::kDiv
                                             : ArithOp::kMod;
      NodePtr right = parse_unary();
      if (!right) return nullptr;
      left = binary(NodeKind::kArith, token.position, std::move(left), std::move(right));
      left->arith_op = op;
    }
    return left;
  }

  NodePtr parse_unary() {
    if (!is_symbol(peek(), "-") && !is_symbol(peek(), "+")) return parse_primary();
    const Nesting nesting(*this);
    if (nesting.too_deep()) return nullptr;
    const Token& sign = advance();
    NodePtr operand = parse_unary();
    if (!operand || sign.text == "+") return operand;
    NodePtr node = make_node(NodeKind::kNegate, sign.position);
    node->children.push_back(std::move(operand));
    return node;
  }

  NodePtr parse_primary() {
    const Token& token = peek();
    switch (token.kind) {
      case TokenKind::kEnd:
        return fail(token, "expected an expression, found end of expression");
      case TokenKind::kString: {
        advance();
        NodePtr node = make_node(NodeKind::kLiteral, token.position);
        node->literal.type = Type::kString;
        node->literal.string_value = token.text;
        return node;
      }
      case TokenKind::kInteger: {
        advance();
        NodePtr node = make_node(NodeKind::kLiteral, token.position);
        node->literal.type = Type::kInt64;
        const char* end = token.text.data() + token.text.size();
        auto [ptr, ec] = std::from_chars(token.text.data(), end, node->literal.int_value);
        if (ec != std::errc() || ptr != end) return fail(token, "integer literal out of range");
        return node;
      }
      case TokenKind::kDecimal: {
        advance();
        NodePtr node = make_node(NodeKind::kLiteral, token.position);
        node->literal.type = Type::kFloat64;
        node->literal.float_value = std::strtod(token.text.c_str(), nullptr);
        return node;
      }
      case TokenKind::kQuotedIdentifier: {
        advance();
        NodePtr node = make_node(NodeKind::kColumn, token.position);
        node->name = token.text;
        return node;
      }
      case TokenKind::kSymbol:
        if (accept_symbol("(")) {
          NodePtr inner = parse_or();
          if (!inner) return nullptr;
          if (!expect_symbol(")")) return nullptr;
          return inner;
        }
        return fail(token, "expected an expression, found " + describe(token));
      case TokenKind::kIdentifier:
        break;
    }
    if (is_keyword(token, "null") || is_keyword(token, "true") || is_keyword(token, "false")) {
      advance();
      NodePtr node = make_node(NodeKind::kLiteral, token.position);
      if (!is_keyword(token, "null")) {
        node->literal.type = Type::kBool;
        node->literal.int_value = is_keyword(token, "true") ? 1 : 0;
      }
      return node;
    }
    if (is_keyword(token, "case")) return parse_case();
    if (is_keyword(token, "cast")) return parse_cast();
    for (std::string_view word : kReservedWords) {
      if (is_keyword(token, word))
        return fail(token, "expected an expression, found " + describe(token));
    }
    advance();
    if (is_symbol(peek(), "(")) return parse_call(token);
    NodePtr node = make_node(NodeKind::kColumn, token.position);
    node->name = token.text;
    return node;
  }

  NodePtr parse_call(const Token& name) {
    NodePtr node = make_node(NodeKind::kCall, name.position);
    node->name = name.text;
    for (char& c : node->name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    advance();  // (
    if (accept_symbol(")")) return node;
    do {
      NodePtr argument = parse_or();
      if (!argument) return nullptr;
      node->children.push_back(std::move(argument));
    } while (accept_symbol(","));
    if (!expect_symbol(")")) return nullptr;
    return node;
  }

  // CASE [operand] WHEN a THEN b ... [ELSE c] END; with an operand, each WHEN
  // becomes operand = a.
  NodePtr parse_case() {
    const size_t position = advance().position;
    NodePtr operand;
    if (!is_keyword(peek(), "when")) {
      operand = parse_or();
      if (!operand) return nullptr;
      if (too_deep_to_copy(*operand)) return nullptr;
    }
    NodePtr node = make_node(NodeKind::kCase, position);
    if (!is_keyword(peek(), "when")) {
      return fail(peek(), "expected WHEN, found " + describe(peek()));
    }
    while (is_keyword(peek(), "when")) {
      const size_t when_position = advance().position;
      NodePtr condition = parse_or();
      if (!condition) return nullptr;
      if (operand) {
        condition =
            compare(CompareOp::kEq, when_position, clone_node(*operand), std::move(condition));
      }
      if (!expect_keyword("then")) return nullptr;
      NodePtr value = parse_or();
      if (!value) return nullptr;
      node->children.push_back(std::move(condition));
      node->children.push_back(std::move(value));
    }
    if (accept_keyword("else")) {
      NodePtr value = parse_or();
      if (!value) return nullptr;
      node->children.push_back(std::move(value));
      node->has_else = true;
    }
    if (!expect_keyword("end")) return nullptr;
    return node;
  }

  NodePtr parse_cast() {
    const size_t position = advance().position;
    if (!expect_symbol("(")) return nullptr;
    NodePtr operand = parse_or();
    if (!operand) return nullptr;
    if (!expect_keyword("as")) return nullptr;
    const Token& type_token = peek();
    if (type_token.kind != TokenKind::kIdentifier) {
      return fail(type_token, "expected a type name, found " + describe(type_token));
    }
    auto type = parse_type_name(type_token.text);
    if (!type) return fail(type_token, fmt::format("unknown type \"{}\"", type_token.text));
    advance();
    if (!expect_symbol(")")) return nullptr;
    NodePtr node = make_node(NodeKind::kCast, position);
    node->cast_to = *type;
    node->children.push_back(std::move(operand));
    return node;
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  ExprError& error_;
  bool failed_ = false;
  size_t nesting_ = 0;  // live Nesting guards
};

}  // namespace

NodePtr parse_expression(std::string_view text, ExprError& error) {
  std::vector<Token> tokens;
  if (!tokenize(text, tokens, error)) return nullptr;
  Parser parser(std::move(tokens), error);
  NodePtr root = parser.parse();
  if (!root) return nullptr;
  // Operator chains (a OR b OR ...) deepen the tree without deepening the
  // parse; the binder, folding and evaluation recurse once per level.
  if (const Node* deep = too_deep_node(*root)) {
    error = {deep->position, too_deep_message()};
    return nullptr;
  }
  return root;
}

}  // namespace sluice::expr
