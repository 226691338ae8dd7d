//! Go text/template: lexer, parser, executor, builtins and fmt verbs; no Helm knowledge.
