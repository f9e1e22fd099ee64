#include "common/expr/ast.h"

#include <algorithm>
#include <utility>

namespace sluice::expr {

Node::~Node() {
  std::vector<NodePtr> pending = std::move(children);
  while (!pending.empty()) {
    NodePtr node = std::move(pending.back());
    pending.pop_back();
    for (NodePtr& child : node->children) pending.push_back(std::move(child));
    node->children.clear();
  }  // each node is freed with no children left
}

size_t tree_depth(const Node& root) {
  std::vector<std::pair<const Node*, size_t>> pending = {{&root, 1}};
  size_t deepest = 0;
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, depth);
    for (const NodePtr& child : node->children) pending.emplace_back(child.get(), depth + 1);
  }
  return deepest;
}

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
