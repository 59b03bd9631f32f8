; Highlights for .pbk (portoser playbooks). Editors disagree on which of two patterns wins
; on the same node (Neovim: the last, Helix and tree-sitter-highlight: the first), so every
; node here is captured by exactly one pattern.

; Items and their names.
(rule_definition name: (identifier) @function)
(playbook_definition name: (identifier) @function)
(engine_definition name: (identifier) @type)
(engine_section name: (identifier) @function.method)
(hook_definition event: (identifier) @constant)
(hook_definition service: (identifier) @variable)
(allow_declaration service: (identifier) @variable)
(trigger event: (identifier) @constant)
(allow_declaration capability: (identifier) @constant)
(parameter name: (identifier) @variable.parameter)
(type_identifier) @type

; Calls: `restart(s)`, and a bare statement name like `retry`.
(call_expression function: (identifier) @function.call)
(call_statement function: (identifier) @function.call)

; Names used as values: `service`, `owner.pid`, `[a, b]`.
(binary_expression [left: (identifier) right: (identifier)] @variable)
(unary_expression operand: (identifier) @variable)
(field_expression value: (identifier) @variable)
(arguments (identifier) @variable)
(named_argument value: (identifier) @variable)
(list (identifier) @variable)
(parenthesized_expression (identifier) @variable)
(let_statement value: (identifier) @variable)
(when_clause condition: (identifier) @variable)
(run_statement [target: (identifier) command: (identifier) timeout: (identifier)] @variable)
(for_statement [iterable: (identifier) filter: (identifier)] @variable)
(if_statement condition: (identifier) @variable)
(let_statement name: (identifier) @variable)
(for_statement variable: (identifier) @variable)

(annotation "@" @attribute)
(annotation_name) @attribute
(label) @label
(field_identifier) @property

; Literals.
(string) @string
(escape_sequence) @string.escape
(integer) @number
(duration) @number
(size) @number
(percent) @number
[(true) (false)] @boolean
(comment) @comment

; Keywords.
[
  "rule"
  "hook"
  "playbook"
  "engine"
] @keyword

[
  "on"
  "failed"
  "when"
  "do"
  "before"
  "after"
  "of"
  "let"
  "run"
  "timeout"
  "where"
] @keyword

(allow_declaration "allow" @keyword)
(allow_declaration "for" @keyword)
(for_statement "for" @keyword.repeat)
(for_statement "in" @keyword.repeat)

[
  "if"
  "else"
] @keyword.conditional

"import" @keyword.import

[
  "and"
  "or"
  "not"
] @keyword.operator

(binary_expression operator: "in" @keyword.operator)

; Operators and punctuation.
[
  "=="
  "!="
  "<="
  ">="
  "+"
  "-"
  "="
] @operator

(binary_expression operator: ["<" ">"] @operator)

(type ["<" ">"] @punctuation.bracket)

["(" ")" "[" "]" "{" "}"] @punctuation.bracket

["," ":" ";" "."] @punctuation.delimiter
