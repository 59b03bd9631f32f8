; Fold items, blocks and long argument lists.
[
  (rule_definition)
  (engine_definition)
  (block)
  (arguments)
  (list)
] @fold
