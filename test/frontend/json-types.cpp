// Parameter and result types must convert to and from JSON; the error names
// the type and what is missing.
// RUN: %fz -fsyntax-only -Xclang -verify %s
#include <fusionize/fusionize.h>
#include <map>
#include <optional>
#include <string_view>

struct Good { int a; std::string b; };
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Good, a, b)
enum class Color { red, green };

struct Opaque { int secret; }; // expected-note 3 {{define to_json/from_json for 'Opaque' or use NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE('Opaque', ...)}}

struct WriteOnly { explicit WriteOnly(int v) : v(v) {} int v; }; // expected-note {{define to_json/from_json for 'WriteOnly'}}
inline void to_json(nlohmann::json &j, const WriteOnly &w) { j = w.v; }

struct Incomplete;

[[fusionize::task]] Good fine(const Good &g, std::map<std::string, std::vector<Good>> m,
                              std::optional<Good> o, Color c) { (void)m; (void)o; (void)c; return g; }
[[fusionize::task]] int opaque(Opaque o) { return o.secret; } // expected-error {{parameter 'o' of task 'opaque' has type 'Opaque', which nlohmann_json cannot convert: it finds neither to_json nor from_json for 'Opaque'}}
[[fusionize::task]] Opaque make_opaque(); // expected-error {{the result of task 'make_opaque' has type 'Opaque', which nlohmann_json cannot convert}}
[[fusionize::task]] int write_only(const WriteOnly &w) { return w.v; } // expected-error {{parameter 'w' of task 'write_only' has type 'WriteOnly', which cannot be decoded from JSON: nlohmann_json finds no from_json(const json &, 'WriteOnly' &) (or 'WriteOnly' is not default-constructible)}}
[[fusionize::task]] int view(std::string_view s) { return (int)s.size(); } // expected-error {{parameter 's' of task 'view' has type 'std::string_view' (aka 'basic_string_view<char>'), a view that would dangle once decoded; use an owning type such as std::string}}
[[fusionize::task]] int maybe(std::optional<Opaque> o) { return o ? 1 : 0; } // expected-error {{parameter 'o' of task 'maybe' has type 'std::optional<Opaque>', which nlohmann_json cannot convert}}
[[fusionize::task]] int incomplete(const Incomplete &i); // expected-error {{parameter 'i' of task 'incomplete' has incomplete type 'Incomplete'; the task's glue needs its definition}}
