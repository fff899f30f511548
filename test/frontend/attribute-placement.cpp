// The attribute applies to free functions and static member functions only.
// RUN: %fz -fsyntax-only -Xclang -verify %s

[[fusionize::task]] int ok(int x) { return x; }
__attribute__((fusionize_task)) int gnu(int x) { return x; }

struct S {
  [[fusionize::task]] static int stat(int x) { return x; }
  [[fusionize::task]] int member(int x) { return x; } // expected-error {{'fusionize::task' cannot be applied to non-static member function 'member'; make it static or a free function}}
  [[fusionize::task]] int field; // expected-error {{'fusionize::task' attribute only applies to free functions and static member functions}}
};

[[fusionize::task]] int variable = 3; // expected-error {{'fusionize::task' attribute only applies to free functions and static member functions}}

void lambdas() {
  [[fusionize::task]] auto l = [](int x) { return x; }; // expected-error {{'fusionize::task' attribute only applies to free functions and static member functions}}
  auto m = [] [[fusionize::task]] (int x) { return x; }; // expected-error {{'fusionize::task' cannot be applied to a lambda; name a free function instead}} expected-warning {{C++23 extension}}
  (void)l; (void)m;
}

[[fusionize::task]] int main() { return 0; } // expected-error {{'main' cannot be a task}}

// Only the fusionize:: scope is ours.
[[task]] int unscoped(int x) { return x; } // expected-warning {{unknown attribute 'task' ignored}}
