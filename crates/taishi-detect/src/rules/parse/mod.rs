//! Rule text: lexing, headers, options, variables, files (in progress).
