; Scopes: a playbook (its parameters), a rule (its `let`s), and every block.
[
  (playbook_definition)
  (rule_definition)
  (block)
  (for_statement)
] @local.scope

(parameter name: (identifier) @local.definition)
(let_statement name: (identifier) @local.definition)
(for_statement variable: (identifier) @local.definition)

(identifier) @local.reference
