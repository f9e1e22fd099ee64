#include "common/sql/parser.h"

#include <fmt/format.h>

#include <charconv>

namespace sluice::sql {
namespace {

// Words that end an expression at depth 0 (a clause or an alias begins).
constexpr std::string_view kClauseWords[] = {
    "from",    "where",      "group", "having",  "order",  "limit",     "offset",  "as",     "asc",
    "desc",    "nulls",      "join",  "inner",   "left",   "right",     "full",    "semi",   "anti",
    "cross",   "on",         "using", "union",   "except", "intersect", "qualify", "window", "to",
    "natural", "positional", "asof",  "lateral", "outer",  "select"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Parser {
 public:
  Parser(Statement& statement, expr::ExprError& error) : s_(statement), error_(error) {}

  bool statement() {
    if (word("with")) return fail(peek(), "WITH (common table expressions) is not supported yet");
    if (accept_word("copy")) {
      s_.copy = true;
      if (!expect_symbol("(", "after COPY (COPY (SELECT …) TO 'dir')")) return false;
      if (!select(s_.select)) return false;
      if (!expect_symbol(")", "to close COPY's query")) return false;
      if (!expect_word("to")) return false;
      if (peek().kind != TokenKind::kString)
        return fail(peek(), "expected the output path in quotes");
      s_.copy_path = peek().text;
      s_.copy_path_position = advance().begin;
      if (accept_symbol("(")) {
        if (!copy_options()) return false;
      }
    } else if (!select(s_.select)) {
      return false;
    }
    accept_symbol(";");
    if (peek().kind != TokenKind::kEnd) {
      if (word("union") || word("except") || word("intersect"))
        return fail(peek(), fmt::format("{} is not supported yet", upper(peek().text)));
      if (word("offset")) return fail(peek(), "OFFSET is not supported yet");
      if (word("qualify") || word("window"))
        return fail(peek(), fmt::format("{} is not supported", upper(peek().text)));
      return fail(peek(), "unexpected " + describe(peek()) + " after the statement");
    }
    return true;
  }

 private:
  const SqlToken& peek(size_t ahead = 0) const {
    return s_.tokens[std::min(next_ + ahead, s_.tokens.size() - 1)];
  }
  const SqlToken& advance() { return s_.tokens[std::min(next_++, s_.tokens.size() - 1)]; }
  bool word(std::string_view lower_word, size_t ahead = 0) const {
    return is_word(peek(ahead), lower_word);
  }
  bool symbol(std::string_view text, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kSymbol && peek(ahead).text == text;
  }
  bool accept_word(std::string_view lower_word) {
    if (!word(lower_word)) return false;
    advance();
    return true;
  }
  bool accept_symbol(std::string_view text) {
    if (!symbol(text)) return false;
    advance();
    return true;
  }
  bool expect_word(std::string_view lower_word) {
    if (accept_word(lower_word)) return true;
    return fail(peek(), fmt::format("expected {}, found {}", upper(lower_word), describe(peek())));
  }
  bool expect_symbol(std::string_view text, std::string_view why) {
    if (accept_symbol(text)) return true;
    return fail(peek(), fmt::format("expected '{}' {}, found {}", text, why, describe(peek())));
  }
  bool fail(const SqlToken& at, std::string message) {
    error_ = {at.begin, std::move(message)};
    return false;
  }
  static std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
  }
  static std::string describe(const SqlToken& token) {
    switch (token.kind) {
      case TokenKind::kEnd:
        return "the end of the statement";
      case TokenKind::kString:
        return "'" + token.text + "'";
      case TokenKind::kQuotedIdentifier:
        return "\"" + token.text + "\"";
      default:
        return "'" + token.text + "'";
    }
  }

  bool clause_word(const SqlToken& token) const {
    if (token.kind != TokenKind::kIdentifier) return false;
    for (std::string_view w : kClauseWords) {
      if (is_word(token, w)) return true;
    }
    return false;
  }

  // An identifier, bare or "quoted".
  bool name(std::string& out, std::string_view what) {
    const SqlToken& token = peek();
    if ((token.kind == TokenKind::kIdentifier && !clause_word(token)) ||
        token.kind == TokenKind::kQuotedIdentifier) {
      out = advance().text;
      return true;
    }
    return fail(token, fmt::format("expected {}, found {}", what, describe(token)));
  }

  bool names_in_parentheses(std::vector<std::string>& out, std::string_view what) {
    if (!expect_symbol("(", fmt::format("before the {}", what))) return false;
    do {
      std::string item;
      if (!name(item, what)) return false;
      out.push_back(std::move(item));
    } while (accept_symbol(","));
    return expect_symbol(")", fmt::format("after the {}", what));
  }

  // The tokens of one expression: up to a ',' ')' ';' or a clause word at depth 0.
  // A name right after a complete operand, at depth 0, is an alias without
  // AS (`count(*) n`), unless it is an operator word of the expression
  // language (`x IS NULL`, `CASE … END`).
  bool implicit_alias(size_t depth) const {
    if (depth != 0 || next_ == 0) return false;
    const SqlToken& token = peek();
    const SqlToken& previous = s_.tokens[next_ - 1];
    if (token.kind != TokenKind::kIdentifier && token.kind != TokenKind::kQuotedIdentifier) {
      return false;
    }
    for (std::string_view w : {"and", "or", "not", "in", "is", "null", "true", "false", "between",
                               "like", "case", "when", "then", "else", "end", "cast"}) {
      if (is_word(token, w)) return false;
    }
    const bool operand_end = previous.kind == TokenKind::kIdentifier
                                 ? is_word(previous, "end") || is_word(previous, "null") ||
                                       is_word(previous, "true") || is_word(previous, "false") ||
                                       !keyword(previous)
                                 : previous.kind != TokenKind::kSymbol || previous.text == ")";
    return operand_end;
  }
  static bool keyword(const SqlToken& token) {
    for (std::string_view w : {"and", "or", "not", "in", "is", "between", "like", "case", "when",
                               "then", "else", "cast", "distinct", "select", "all"}) {
      if (is_word(token, w)) return true;
    }
    return false;
  }

  bool expression(SqlExpr& out, std::string_view what, bool alias_may_follow = false) {
    out.first = next_;
    out.position = peek().begin;
    int depth = 0;
    while (true) {
      const SqlToken& token = peek();
      if (token.kind == TokenKind::kEnd) break;
      if (alias_may_follow && next_ > out.first && implicit_alias(depth)) break;
      if (token.kind == TokenKind::kSymbol) {
        if (token.text == "(" || token.text == "[" || token.text == "{") {
          ++depth;
        } else if (token.text == ")" || token.text == "]" || token.text == "}") {
          if (depth == 0) break;
          --depth;
        } else if (depth == 0 && (token.text == "," || token.text == ";")) {
          break;
        }
      } else if (depth == 0 && clause_word(token)) {
        break;
      } else if (is_word(token, "select")) {
        return fail(token, "a subquery is not supported");
      } else if (is_word(token, "over")) {
        return fail(token, "window functions (OVER) are not supported");
      }
      advance();
    }
    out.last = next_;
    if (out.first == out.last) {
      return fail(peek(), fmt::format("expected {}, found {}", what, describe(peek())));
    }
    return true;
  }

  // [DISTINCT | ALL] item, … | TRANSFORM (item, …) USING 'command' …
  bool select_list(SelectStatement& q) {
    if (word("transform") && symbol("(", 1)) return transform(q);
    if (word("distinct")) {
      q.distinct = true;
      q.distinct_position = advance().begin;
      if (word("on")) return fail(peek(), "DISTINCT ON is not supported");
    } else {
      accept_word("all");
    }
    do {
      if (!select_item(q)) return false;
    } while (accept_symbol(","));
    return true;
  }

  bool select(SelectStatement& q) {
    if (accept_word("from")) {
      // DuckDB's FROM-first form: FROM source [SELECT …] …; without SELECT, *.
      if (!source(q.from) || !join(q)) return false;
      if (accept_word("select")) {
        if (!select_list(q)) return false;
      } else {
        SelectItem star;
        star.star = true;
        star.position = q.from.position;
        q.items.push_back(std::move(star));
      }
    } else {
      if (!expect_word("select") || !select_list(q) || !expect_word("from")) return false;
      if (!source(q.from) || !join(q)) return false;
    }
    if (word("where")) {
      advance();
      q.where.emplace();
      if (!expression(*q.where, "a condition after WHERE")) return false;
    }
    if (word("group")) {
      q.group_by_position = advance().begin;
      if (!expect_word("by")) return false;
      if (accept_word("all")) {
        q.group_by_all = true;
      } else {
        do {
          SqlExpr key;
          if (!expression(key, "a column after GROUP BY")) return false;
          q.group_by.push_back(key);
        } while (accept_symbol(","));
      }
    }
    if (word("having")) {
      advance();
      q.having.emplace();
      if (!expression(*q.having, "a condition after HAVING")) return false;
    }
    if (word("order")) {
      advance();
      if (!expect_word("by")) return false;
      if (word("all")) return fail(peek(), "ORDER BY ALL is not supported yet; name the columns");
      do {
        OrderItem item;
        item.position = peek().begin;
        if (!expression(item.expr, "a column after ORDER BY")) return false;
        if (accept_word("desc")) {
          item.descending = true;
        } else {
          accept_word("asc");
        }
        if (word("nulls")) {
          item.nulls_position = advance().begin;
          if (accept_word("first")) {
            item.nulls_first = true;
          } else if (!accept_word("last")) {
            return fail(peek(), "expected FIRST or LAST after NULLS");
          }
        }
        q.order_by.push_back(item);
      } while (accept_symbol(","));
    }
    if (word("limit")) {
      advance();
      const SqlToken& count = peek();
      uint64_t rows = 0;
      const auto parsed =
          std::from_chars(count.text.data(), count.text.data() + count.text.size(), rows);
      if (count.kind != TokenKind::kInteger || parsed.ec != std::errc() ||
          parsed.ptr != count.text.data() + count.text.size()) {
        return fail(count, "expected a whole number of rows after LIMIT");
      }
      q.limit = rows;
      q.limit_position = advance().begin;
      if (symbol("%") || word("percent")) return fail(peek(), "LIMIT … PERCENT is not supported");
    }
    return true;
  }

  bool transform(SelectStatement& q) {
    TransformClause clause;
    clause.position = advance().begin;  // TRANSFORM
    advance();                          // (
    do {
      if (!select_item(q)) return false;
    } while (accept_symbol(","));
    if (!expect_symbol(")", "after TRANSFORM's columns") || !expect_word("using")) return false;
    if (peek().kind != TokenKind::kString) {
      return fail(peek(), "expected the command in quotes after USING ('python3 udf.py')");
    }
    clause.command = peek().text;
    clause.command_position = advance().begin;
    if (accept_word("as")) {
      if (!expect_symbol("(", "before the script's output columns")) return false;
      do {
        std::string column;
        if (!name(column, "an output column")) return false;
        clause.columns.push_back(std::move(column));
        clause.type_positions.push_back(peek().begin);
        clause.types.emplace_back(peek().kind == TokenKind::kIdentifier ? advance().text : "");
      } while (accept_symbol(","));
      if (!expect_symbol(")", "after the script's output columns")) return false;
    }
    if (accept_word("with")) {
      if (!expect_symbol("(", "before the script's options") ||
          !options(clause.options, "an option of the script (batch_rows, timeout, max_attempts)"))
        return false;
    }
    q.transform = std::move(clause);
    return true;
  }

  bool select_item(SelectStatement& q) {
    SelectItem item;
    item.position = peek().begin;
    if (symbol("*")) {
      advance();
      item.star = true;
      if (accept_word("exclude")) {
        if (!names_in_parentheses(item.exclude, "column to exclude")) return false;
      }
      if (accept_word("replace")) {
        if (!expect_symbol("(", "after REPLACE")) return false;
        do {
          SqlExpr value;
          if (!expression(value, "an expression")) return false;
          if (!expect_word("as")) return false;
          std::string column;
          if (!name(column, "a column name")) return false;
          item.replace.emplace_back(value, std::move(column));
        } while (accept_symbol(","));
        if (!expect_symbol(")", "after REPLACE's expressions")) return false;
      }
      q.items.push_back(std::move(item));
      return true;
    }
    if ((peek().kind == TokenKind::kIdentifier || peek().kind == TokenKind::kQuotedIdentifier) &&
        symbol(".", 1) && symbol("*", 2)) {
      return fail(peek(), "a qualified * (t.*) is not supported yet; write *");
    }
    if (!expression(item.expr, "a column or an expression", true)) return false;
    if (accept_word("as")) {
      if (!name(item.alias, "a name after AS")) return false;
    } else if ((peek().kind == TokenKind::kIdentifier && !clause_word(peek())) ||
               peek().kind == TokenKind::kQuotedIdentifier) {
      if (!name(item.alias, "a name")) return false;  // an alias without AS
    }
    q.items.push_back(std::move(item));
    return true;
  }

  bool value(SqlValue& out, int depth = 0) {
    const SqlToken& token = peek();
    out.position = token.begin;
    if (depth > 8) return fail(token, "lists and maps nested too deep");
    if (token.kind == TokenKind::kString) {
      out.kind = SqlValue::Kind::kString;
      out.text = advance().text;
    } else if (token.kind == TokenKind::kInteger || token.kind == TokenKind::kDecimal) {
      out.kind = SqlValue::Kind::kNumber;
      out.text = advance().text;
    } else if (token.kind == TokenKind::kIdentifier) {
      out.kind = SqlValue::Kind::kWord;
      out.text = lower(advance().text);
    } else if (accept_symbol("[")) {
      out.kind = SqlValue::Kind::kList;
      if (!symbol("]")) {
        do {
          SqlValue item;
          if (!value(item, depth + 1)) return false;
          out.items.push_back(std::move(item));
        } while (accept_symbol(","));
      }
      return expect_symbol("]", "to close the list");
    } else if (accept_symbol("{")) {
      out.kind = SqlValue::Kind::kMap;
      do {
        if (peek().kind != TokenKind::kString && peek().kind != TokenKind::kQuotedIdentifier &&
            peek().kind != TokenKind::kIdentifier) {
          return fail(peek(), "expected a name in quotes");
        }
        out.keys.push_back(advance().text);
        if (!expect_symbol(":", "after the name")) return false;
        SqlValue item;
        if (!value(item, depth + 1)) return false;
        out.items.push_back(std::move(item));
      } while (accept_symbol(","));
      return expect_symbol("}", "to close the map");
    } else {
      return fail(token, "expected a value ('text', a number, true/false, [list] or {map})");
    }
    return true;
  }

  bool source(SqlSource& out) {
    const SqlToken& token = peek();
    out.position = token.begin;
    if (token.kind == TokenKind::kString) {
      SqlValue path;
      if (!value(path)) return false;
      out.arguments.push_back(std::move(path));
    } else if (symbol("(")) {
      return fail(token, "a subquery in FROM is not supported yet");
    } else if (token.kind == TokenKind::kIdentifier && symbol("(", 1)) {
      out.function = lower(advance().text);
      advance();  // (
      if (!symbol(")")) {
        do {
          if (peek().kind == TokenKind::kIdentifier && (symbol("=", 1) || symbol(":", 1))) {
            SqlOption option;
            option.position = peek().begin;
            option.name = lower(advance().text);
            advance();  // = (or := )
            accept_symbol("=");
            if (!value(option.value)) return false;
            out.options.push_back(std::move(option));
          } else {
            SqlValue argument;
            if (!value(argument)) return false;
            out.arguments.push_back(std::move(argument));
          }
        } while (accept_symbol(","));
      }
      if (!expect_symbol(")", "to close the table function's arguments")) return false;
    } else if (token.kind == TokenKind::kIdentifier || token.kind == TokenKind::kQuotedIdentifier) {
      return fail(token, fmt::format("there are no tables: read a file with FROM 'path/*.csv' "
                                     "or read_csv('path', …), found {}",
                                     describe(token)));
    } else {
      return fail(token, "expected a file path in quotes or a table function after FROM");
    }
    if (accept_word("as")) return name(out.alias, "an alias after AS");
    if ((peek().kind == TokenKind::kIdentifier && !clause_word(peek()) && !word("where") &&
         !word("group") && !word("having") && !word("order") && !word("limit")) ||
        peek().kind == TokenKind::kQuotedIdentifier) {
      out.alias = advance().text;
    }
    if (symbol(",")) return fail(peek(), "a comma join is not supported; write JOIN … ON …");
    return true;
  }

  bool join(SelectStatement& q) {
    const size_t position = peek().begin;
    JoinHow how = JoinHow::kInner;
    if (word("cross") || word("natural") || word("positional") || word("asof") || word("lateral")) {
      return fail(peek(), fmt::format("{} JOIN is not supported", upper(peek().text)));
    }
    if (accept_word("inner")) {
    } else if (accept_word("left")) {
      how = JoinHow::kLeft;
      if (accept_word("semi"))
        how = JoinHow::kSemi;
      else if (accept_word("anti"))
        how = JoinHow::kAnti;
      else
        accept_word("outer");
    } else if (accept_word("right")) {
      how = JoinHow::kRight;
      accept_word("outer");
    } else if (accept_word("full")) {
      how = JoinHow::kFull;
      accept_word("outer");
    } else if (accept_word("semi")) {
      how = JoinHow::kSemi;
    } else if (accept_word("anti")) {
      how = JoinHow::kAnti;
    } else if (!word("join")) {
      return true;
    }
    if (!expect_word("join")) return false;
    JoinClause clause;
    clause.how = how;
    clause.position = position;
    if (!source(clause.source)) return false;
    if (accept_word("on")) {
      clause.on.emplace();
      if (!expression(*clause.on, "a join condition after ON")) return false;
    } else if (accept_word("using")) {
      if (!names_in_parentheses(clause.using_columns, "join column")) return false;
    } else {
      return fail(peek(), "expected ON or USING after the joined input");
    }
    q.join = std::move(clause);
    if (word("join") || word("inner") || word("left") || word("right") || word("full") ||
        word("semi") || word("anti") || word("cross")) {
      return fail(peek(), "a second JOIN is not supported (one join per query)");
    }
    return true;
  }

  bool copy_options() { return options(s_.copy_options, "a COPY option"); }

  // name value, … ) — a value in parentheses is a list of names; a name
  // alone is a flag (OVERWRITE).
  bool options(std::vector<SqlOption>& out, std::string_view what) {
    do {
      SqlOption option;
      option.position = peek().begin;
      if (peek().kind != TokenKind::kIdentifier)
        return fail(peek(), fmt::format("expected {}", what));
      option.name = lower(advance().text);
      if (symbol("(")) {
        option.value.kind = SqlValue::Kind::kList;
        option.value.position = peek().begin;
        std::vector<std::string> columns;
        if (!names_in_parentheses(columns, "column")) return false;
        for (std::string& column : columns) {
          SqlValue item;
          item.kind = SqlValue::Kind::kString;
          item.text = std::move(column);
          option.value.items.push_back(std::move(item));
        }
      } else if (!symbol(",") && !symbol(")")) {
        accept_symbol("=");
        if (!value(option.value)) return false;
      } else {
        option.value.kind = SqlValue::Kind::kWord;  // a flag: OVERWRITE
        option.value.text = "true";
        option.value.position = option.position;
      }
      out.push_back(std::move(option));
    } while (accept_symbol(","));
    return expect_symbol(")", "to close the options");
  }

  Statement& s_;
  expr::ExprError& error_;
  size_t next_ = 0;
};

}  // namespace

bool is_word(const SqlToken& token, std::string_view lower_word) {
  if (token.kind != TokenKind::kIdentifier || token.text.size() != lower_word.size()) return false;
  for (size_t i = 0; i < lower_word.size(); ++i) {
    char c = token.text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_word[i]) return false;
  }
  return true;
}

bool parse_statement(std::string_view text, Statement& statement, expr::ExprError& error) {
  statement = Statement();
  statement.text = std::string(text);
  if (!tokenize_sql(text, statement.tokens, error)) return false;
  Parser parser(statement, error);
  return parser.statement();
}

}  // namespace sluice::sql
