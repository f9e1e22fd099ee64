#include "common/expr/ast.h"

namespace sluice::expr {

NodePtr make_node(NodeKind kind, size_t position) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->position = position;
  return node;
}

NodePtr clone_node(const Node& node) {
  auto copy = make_node(node.kind, node.position);
  for (const NodePtr& child : node.children) copy->children.push_back(clone_node(*child));
  copy->literal = node.literal;
  copy->name = node.name;
  copy->compare_op = node.compare_op;
  copy->arith_op = node.arith_op;
  copy->negated = node.negated;
  copy->has_else = node.has_else;
  copy->cast_to = node.cast_to;
  copy->type = node.type;
  copy->column = node.column;
  copy->function = node.function;
  copy->date_part = node.date_part;
  copy->date_format = node.date_format;
  copy->regex = node.regex;
  copy->like_pattern = node.like_pattern;
  return copy;
}

}  // namespace sluice::expr
