// Task names: the identifier, or the attribute's string; unique, valid as
// function names.
// RUN: %fz -fsyntax-only -Xclang -verify %s
// RUN: not %fz -fsyntax-only -fdiagnostics-parseable-fixits %s 2>&1 | FileCheck %s

[[fusionize::task("resize-image")]] int resize(int x) { return x; }
[[fusionize::task("has space")]] int a(int x) { return x; } // expected-error {{'has space' is not a valid task name: use 1 to 64 letters, digits, '_' or '-' (it becomes a function name)}}
[[fusionize::task(42)]] int b(int x) { return x; } // expected-error {{the argument of 'fusionize::task' must be a string literal naming the task}}
[[fusionize::task("a", "b")]] int c(int x) { return x; } // expected-error {{'task' attribute takes no more than 1 argument}}
[[fusionize::task("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]] int d(); // expected-error {{is not a valid task name}}

namespace one { [[fusionize::task]] int dup(int x) { return x; } } // expected-note {{task 'dup' is first declared here}}
namespace two { [[fusionize::task]] int dup(int x) { return x; } } // expected-error {{duplicate task name 'dup'; give one of the tasks another name with [[fusionize::task("name")]]}}
// CHECK: fix-it:"{{.*}}names.cpp":{[[@LINE-1]]:34-[[@LINE-1]]:34}:"(\"dup_2\")"
namespace three { [[fusionize::task("dup")]] int other(int x) { return x; } } // expected-error {{duplicate task name 'dup'}}
// expected-note@-4 {{task 'dup' is first declared here}}

int late(int x); // expected-note {{previous declaration is here}}
[[fusionize::task]] int late(int x) { return x; } // expected-error {{'fusionize::task' must be on the first declaration of 'late', so that every caller knows it is a task}}

[[fusionize::task]] int declared_first(int x);
int declared_first(int x) { return x; } // inherits the attribute: fine
