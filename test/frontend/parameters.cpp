// Parameters and results must be able to cross a function boundary.
// RUN: %fz -fsyntax-only -Xclang -verify %s
#include <string>
#include <vector>

[[fusionize::task]] int by_value(std::string s, std::vector<int> v) { return (int)(s.size() + v.size()); }
[[fusionize::task]] int by_const_ref(const std::string &s) { return (int)s.size(); }
[[fusionize::task]] int by_rvalue_ref(std::string &&s) { return (int)s.size(); }
[[fusionize::task]] int no_throw(int x) noexcept { return x; }
[[fusionize::task]] void nothing() {}

[[fusionize::task]] int pointer(const char *p) { return *p; } // expected-error {{parameter 'p' of task 'pointer' has pointer type 'const char *', which cannot cross a function boundary}} expected-note {{pass it by value or by const reference}}
[[fusionize::task]] void out_param(std::string &out) { out = "x"; } // expected-error {{parameter 'out' of task 'out_param' is a non-const reference ('std::string &'}} expected-note {{pass it by value or by const reference}}
[[fusionize::task]] int array(int a[3]) { return a[0]; } // expected-error {{parameter 'a' of task 'array' has pointer type 'int *'}} expected-note {{pass it by value}}
[[fusionize::task]] const std::string &ref_result(); // expected-error {{task 'ref_result' returns a reference ('const std::string &' (aka 'const basic_string<char> &')); tasks return values}}
[[fusionize::task]] int *ptr_result(); // expected-error {{task 'ptr_result' returns a pointer ('int *'); tasks return values}}
[[fusionize::task]] int variadic(int n, ...); // expected-error {{task 'variadic' cannot be variadic: its parameters must be known to encode them as JSON}}
template <class T> [[fusionize::task]] T templ(T x) { return x; } // expected-error {{task 'templ' cannot be a template}}
