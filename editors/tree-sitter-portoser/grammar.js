/**
 * Tree-sitter grammar for `.pbk`, the portoser playbook language.
 *
 * Follows the normative grammar, grammar/pbk.ebnf (the test tests/editors_keywords.rs keeps
 * the keywords of both, and of the parser, equal). Where the EBNF layers expressions
 * (or, and, not, comparison, sum, negation, postfix), this grammar uses precedences: the
 * trees are the same for every valid program. Editors need to parse half-written files, so
 * this grammar is a little more lenient than the compiler in two places: comparisons may
 * chain (`a == b == c` is E0205 for the compiler) and a keyword is taken as a name where no
 * keyword fits (the compiler rejects `let for = 1`).
 *
 * @file Tree-sitter grammar for portoser playbooks
 * @license MIT OR Apache-2.0
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const PREC = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  sum: 5,
  neg: 6,
  postfix: 7,
};

/** `rule , rule`* with an optional trailing comma, as in argument and parameter lists. */
function commaSep(rule) {
  return optional(seq(rule, repeat(seq(',', rule)), optional(',')));
}

module.exports = grammar({
  name: 'portoser',

  // A keyword is a word: `not-ready` is one name, and keywords are matched whole.
  word: $ => $.identifier,

  extras: $ => [/\p{White_Space}/, '\uFEFF', $.comment],

  supertypes: $ => [$._item, $._statement, $._expression],

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.annotation,
      $.rule_definition,
      $.hook_definition,
      $.playbook_definition,
      $.allow_declaration,
      $.import_declaration,
      $.engine_definition,
    ),

    // `@learned(from: port_conflict, seen: 3)`, `@allow(destructive)`: before an item.
    annotation: $ => seq(
      '@',
      field('name', alias($.identifier, $.annotation_name)),
      optional(field('arguments', $.arguments)),
    ),

    // rule NAME { on EVENT failed (when EXPR | let ...)* do { ... } }
    rule_definition: $ => seq(
      'rule',
      field('name', $.identifier),
      '{',
      $.trigger,
      repeat(choice($.when_clause, $.let_statement)),
      $.do_clause,
      '}',
    ),

    trigger: $ => seq('on', field('event', $.identifier), 'failed'),

    when_clause: $ => seq('when', field('condition', $._expression)),

    do_clause: $ => seq('do', field('body', $.block)),

    hook_definition: $ => seq(
      'hook',
      field('timing', choice('before', 'after')),
      field('event', $.identifier),
      'of',
      field('service', $.identifier),
      field('body', $.block),
    ),

    playbook_definition: $ => seq(
      'playbook',
      field('name', $.identifier),
      field('parameters', $.parameters),
      field('body', $.block),
    ),

    parameters: $ => seq('(', commaSep($.parameter), ')'),

    parameter: $ => seq(
      field('name', $.identifier),
      ':',
      field('type', $.type),
    ),

    type: $ => seq(
      field('name', alias($.identifier, $.type_identifier)),
      optional(seq('<', $.type, repeat(seq(',', $.type)), '>')),
    ),

    allow_declaration: $ => seq(
      'allow',
      field('capability', $.identifier),
      'for',
      field('service', $.identifier),
      repeat(seq(',', field('service', $.identifier))),
    ),

    import_declaration: $ => seq('import', field('path', $.string)),

    engine_definition: $ => seq(
      'engine',
      field('name', $.identifier),
      '{',
      repeat($.engine_section),
      '}',
    ),

    // `deploy { ... }`: the section names are checked by the checker (E0333), not here.
    engine_section: $ => seq(field('name', $.identifier), field('body', $.block)),

    // Statements are separated by their syntax alone; `;` is optional.
    block: $ => seq('{', repeat(choice($._statement, ';')), '}'),

    _statement: $ => choice(
      $.let_statement,
      $.run_statement,
      $.for_statement,
      $.if_statement,
      $.call_statement,
    ),

    let_statement: $ => seq(
      'let',
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    run_statement: $ => seq(
      'run',
      'on',
      field('target', $._expression),
      ':',
      field('command', $._expression),
      optional(seq('timeout', field('timeout', $._expression))),
    ),

    for_statement: $ => seq(
      'for',
      field('variable', $.identifier),
      'in',
      field('iterable', $._expression),
      optional(seq('where', field('filter', $._expression))),
      field('body', $.block),
    ),

    if_statement: $ => seq(
      'if',
      field('condition', $._expression),
      field('consequence', $.block),
      optional(field('alternative', $.else_clause)),
    ),

    else_clause: $ => seq('else', choice($.block, $.if_statement)),

    // `retry` (a bare name) or `wait_healthy(api, timeout: 60s)`.
    call_statement: $ => seq(
      field('function', $.identifier),
      optional(field('arguments', $.arguments)),
    ),

    arguments: $ => seq('(', commaSep(choice($._expression, $.named_argument)), ')'),

    // A label may be a keyword (`timeout: 60s`). Most keywords cannot start an expression,
    // so tree-sitter takes them as an identifier here; these three can, so they are listed.
    named_argument: $ => seq(
      field('name', alias(choice($.identifier, 'true', 'false', 'not'), $.label)),
      ':',
      field('value', $._expression),
    ),

    _expression: $ => choice(
      $.binary_expression,
      $.unary_expression,
      $.field_expression,
      $.call_expression,
      $.parenthesized_expression,
      $.list,
      $.identifier,
      $.true,
      $.false,
      $.integer,
      $.duration,
      $.size,
      $.percent,
      $.string,
    ),

    binary_expression: $ => choice(
      ...[
        ['or', PREC.or],
        ['and', PREC.and],
        ['==', PREC.compare],
        ['!=', PREC.compare],
        ['<', PREC.compare],
        ['<=', PREC.compare],
        ['>', PREC.compare],
        ['>=', PREC.compare],
        ['in', PREC.compare],
        ['+', PREC.sum],
        ['-', PREC.sum],
      ].map(([operator, precedence]) => prec.left(precedence, seq(
        field('left', $._expression),
        // @ts-ignore
        field('operator', operator),
        field('right', $._expression),
      ))),
    ),

    unary_expression: $ => choice(
      prec(PREC.not, seq(field('operator', 'not'), field('operand', $._expression))),
      prec(PREC.neg, seq(field('operator', '-'), field('operand', $._expression))),
    ),

    // `service.port`, `owner.on`: a field name may be a keyword.
    field_expression: $ => prec(PREC.postfix, seq(
      field('value', $._expression),
      '.',
      field('field', alias($.identifier, $.field_identifier)),
    )),

    call_expression: $ => seq(
      field('function', $.identifier),
      field('arguments', $.arguments),
    ),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    list: $ => seq('[', commaSep($._expression), ']'),

    true: _ => 'true',
    false: _ => 'false',

    integer: _ => /[0-9]+/,
    duration: _ => /[0-9]+(ms|s|m|h|d)/,
    size: _ => /[0-9]+(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)/,
    percent: _ => /[0-9]+%/,

    // One line; the escapes are \" \\ \n \t (others are E0209).
    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence)),
      token.immediate('"'),
    ),

    string_content: _ => token.immediate(prec(1, /[^"\\\r\n]+/)),

    escape_sequence: _ => token.immediate(/\\["\\nt]/),

    // Letters, digits and `_`, with `-` between word characters (`api-gateway`).
    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*/,

    comment: _ => token(seq('#', /[^\n]*/)),
  },
});
