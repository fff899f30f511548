// An immediate function cannot run at run time, let alone remotely.
// RUN: %fz -std=c++20 -fsyntax-only -Xclang -verify %s

[[fusionize::task]] consteval int ce(int x) { return x; } // expected-error {{task 'ce' cannot be consteval}}
[[fusionize::task]] constexpr int cx(int x) { return x; } // fine: also callable at run time
