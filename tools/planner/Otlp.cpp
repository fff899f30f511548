//===- planner/Otlp.cpp - Streaming reader for OTLP/JSON traces -----------===//
//
// A small hand-written JSON scanner over a refillable buffer: it reads a
// million spans at a few hundred MB/s and never holds a DOM of the file.
// Only the OTLP structure is interpreted; every other value is skipped.
//
//===----------------------------------------------------------------------===//
#include "planner/Otlp.h"

#include "core/Json.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <exception>
#include <thread>
#include <unistd.h>

namespace fusionize {

int NameTable::intern(std::string_view Name) {
  // Lookups dominate: avoid allocating for names already known.
  thread_local std::string Key;
  Key.assign(Name.data(), Name.size());
  auto It = Ids.find(Key);
  if (It != Ids.end())
    return It->second;
  int Id = int(Names.size());
  Names.push_back(Key);
  Ids.emplace(Key, Id);
  return Id;
}

int NameTable::find(const std::string &Name) const {
  auto It = Ids.find(Name);
  return It == Ids.end() ? -1 : It->second;
}

namespace {

class Scanner {
public:
  /// Reads bytes [Begin, End) of the file (End 0: to the end).
  Scanner(std::string Origin, int Fd, std::uint64_t Begin = 0,
          std::uint64_t End = 0)
      : Origin(std::move(Origin)), Fd(Fd), Base(Begin), Limit(End) {
    Buf.resize(1 << 22);
  }
  Scanner(std::string Origin, const std::string &Text)
      : Origin(std::move(Origin)), Fd(-1) {
    Buf.assign(Text.begin(), Text.end());
    Len = Buf.size();
    Eof = true;
  }

  /// Next non-whitespace character without consuming it; -1 at the end.
  int peek() {
    for (;;) {
      while (Pos < Len) {
        char C = Buf[Pos];
        if (C == ' ' || C == '\n' || C == '\r' || C == '\t') {
          ++Pos;
          continue;
        }
        return static_cast<unsigned char>(C);
      }
      if (!refill())
        return -1;
    }
  }

  void expect(char C, const char *What) {
    int P = peek();
    if (P != C)
      fail(std::string("expected ") + What + ", got " + describe(P));
    ++Pos;
  }

  /// Consumes `C` if it is next.
  bool accept(char C) {
    if (peek() != C)
      return false;
    ++Pos;
    return true;
  }

  /// A string; the view is valid until the next call on the scanner.
  std::string_view string(const char *What) {
    int P = peek();
    if (P != '"')
      fail(std::string("expected ") + What + ", got " + describe(P));
    ++Pos;
    size_t Start = Pos;
    for (;;) {
      const char *Q = static_cast<const char *>(
          std::memchr(Buf.data() + Pos, '"', Len - Pos));
      if (Q) {
        size_t End = size_t(Q - Buf.data());
        const void *Esc = std::memchr(Buf.data() + Start, '\\', End - Start);
        if (!Esc) {
          Pos = End + 1;
          return std::string_view(Buf.data() + Start, End - Start);
        }
        // Escapes: find the quote that is not escaped.
        size_t I = Start;
        while (I < Len && Buf[I] != '"')
          I += Buf[I] == '\\' ? 2 : 1;
        if (I < Len) {
          Pos = I + 1;
          return unescape(std::string_view(Buf.data() + Start, I - Start));
        }
        Pos = Len;
      } else {
        Pos = Len;
      }
      // Keep the string contiguous: move it to the front and read more.
      std::uint64_t Before = Base;
      size_t Scanned = Pos - Start;
      if (!refill(Start))
        fail("unterminated string");
      Start -= size_t(Base - Before);
      Pos = Start + (Scanned > 0 ? Scanned - 1 : 0);
    }
  }

  /// A number token's text (validated by the caller's conversion).
  std::string_view numberText() {
    peek();
    size_t Start = Pos;
    for (;;) {
      while (Pos < Len) {
        char C = Buf[Pos];
        if ((C >= '0' && C <= '9') || C == '-' || C == '+' || C == '.' ||
            C == 'e' || C == 'E') {
          ++Pos;
          continue;
        }
        return std::string_view(Buf.data() + Start, Pos - Start);
      }
      std::uint64_t Before = Base;
      bool More = refill(Start);
      Start -= size_t(Base - Before);
      if (!More)
        return std::string_view(Buf.data() + Start, Pos - Start);
    }
  }

  double number(const char *What) {
    int P = peek();
    if (P != '-' && !(P >= '0' && P <= '9'))
      fail(std::string("expected ") + What + ", got " + describe(P));
    std::string_view T = numberText();
    double V = 0;
    auto R = std::from_chars(T.data(), T.data() + T.size(), V);
    if (R.ec != std::errc() || R.ptr != T.data() + T.size())
      fail("malformed number '" + std::string(T) + "'");
    return V;
  }

  void literal(const char *Word) {
    size_t N = std::strlen(Word);
    peek();
    if (Len - Pos < N)
      refill(Pos);
    if (Len - Pos < N || std::memcmp(Buf.data() + Pos, Word, N) != 0)
      fail(std::string("expected a JSON value, got ") + describe(peek()));
    Pos += N;
  }

  bool boolean(const char *What) {
    int P = peek();
    if (P == 't') {
      literal("true");
      return true;
    }
    if (P == 'f') {
      literal("false");
      return false;
    }
    fail(std::string("expected ") + What + ", got " + describe(P));
  }

  void skipValue(int Depth = 0) {
    if (Depth > 512)
      fail("nesting too deep");
    int P = peek();
    switch (P) {
    case '{':
      ++Pos;
      if (accept('}'))
        return;
      do {
        string("an object key");
        expect(':', "':' after an object key");
        skipValue(Depth + 1);
      } while (accept(','));
      expect('}', "',' or '}' in an object");
      return;
    case '[':
      ++Pos;
      if (accept(']'))
        return;
      do
        skipValue(Depth + 1);
      while (accept(','));
      expect(']', "',' or ']' in an array");
      return;
    case '"':
      string("a string");
      return;
    case 't':
      literal("true");
      return;
    case 'f':
      literal("false");
      return;
    case 'n':
      literal("null");
      return;
    default:
      number("a JSON value");
    }
  }

  /// Iterates the members of an object: calls F(key) with the scanner at
  /// the value; F must consume the value.
  template <class Fn> void object(const char *What, Fn F) {
    expect('{', What);
    if (accept('}'))
      return;
    // Keys are short: keep them on the stack (the buffer may move).
    char Small[48];
    std::string Long;
    do {
      std::string_view K = string("an object key");
      std::string_view Key;
      if (K.size() <= sizeof(Small)) {
        std::memcpy(Small, K.data(), K.size());
        Key = std::string_view(Small, K.size());
      } else {
        Long.assign(K.data(), K.size());
        Key = Long;
      }
      expect(':', "':' after an object key");
      F(Key);
    } while (accept(','));
    expect('}', "',' or '}' in an object");
  }

  template <class Fn> void array(const char *What, Fn F) {
    expect('[', What);
    if (accept(']'))
      return;
    size_t I = 0;
    do
      F(I++);
    while (accept(','));
    expect(']', "',' or ']' in an array");
  }

  [[noreturn]] void fail(const std::string &Msg) const {
    // Line and column: count the newlines before the offset (errors are
    // rare, so the file is read again rather than counted while parsing).
    std::uint64_t Offset = Base + Pos;
    size_t Line = 1;
    std::uint64_t LineStart = 0;
    auto Count = [&](const char *Data, size_t N, std::uint64_t At) {
      for (size_t I = 0; I < N; ++I)
        if (Data[I] == '\n') {
          ++Line;
          LineStart = At + I + 1;
        }
    };
    if (Fd >= 0) {
      std::vector<char> Chunk(1 << 20);
      for (std::uint64_t At = 0; At < Base;) {
        size_t Want = size_t(std::min<std::uint64_t>(Chunk.size(), Base - At));
        ssize_t N = ::pread(Fd, Chunk.data(), Want, off_t(At));
        if (N <= 0)
          break;
        Count(Chunk.data(), size_t(N), At);
        At += std::uint64_t(N);
      }
    }
    Count(Buf.data(), std::min(Pos, Len), Base);
    std::string Path;
    for (const PathPart &P : Parts) {
      if (!Path.empty())
        Path += '.';
      Path += P.Key;
      if (P.Index >= 0)
        Path += "[" + std::to_string(P.Index) + "]";
    }
    std::string Where = Path.empty() ? "" : Path + ": ";
    throw FormatError(Origin + ":" + std::to_string(Line) + ":" +
                      std::to_string(Offset - LineStart + 1) +
                      ": invalid OTLP/JSON (byte offset " +
                      std::to_string(Offset) + "): " + Where + Msg);
  }

  /// The JSON path for messages, built only when one is needed.
  struct PathPart {
    const char *Key;
    long Index;
  };
  std::vector<PathPart> Parts;
  struct Guard {
    Guard(Scanner &S, const char *Key, long Index = -1) : S(S) {
      S.Parts.push_back({Key, Index});
    }
    ~Guard() { S.Parts.pop_back(); }
    Scanner &S;
  };
  const std::string &origin() const { return Origin; }

private:
  std::string describe(int C) const {
    if (C < 0)
      return "the end of the file";
    if (C == '"')
      return "a string";
    if (C == '{')
      return "an object";
    if (C == '[')
      return "an array";
    if (C == 't' || C == 'f')
      return "a boolean";
    if (C == 'n')
      return "null";
    if (C == '-' || (C >= '0' && C <= '9'))
      return "a number";
    return std::string("'") + char(C) + "'";
  }

  std::string_view unescape(std::string_view V) {
    Scratch.clear();
    for (size_t I = 0; I < V.size(); ++I) {
      char C = V[I];
      if (C != '\\') {
        Scratch.push_back(C);
        continue;
      }
      if (++I >= V.size())
        break;
      switch (V[I]) {
      case 'n': Scratch.push_back('\n'); break;
      case 't': Scratch.push_back('\t'); break;
      case 'r': Scratch.push_back('\r'); break;
      case 'b': Scratch.push_back('\b'); break;
      case 'f': Scratch.push_back('\f'); break;
      case 'u': {
        unsigned Code = 0;
        if (I + 4 < V.size())
          std::from_chars(V.data() + I + 1, V.data() + I + 5, Code, 16);
        I += 4;
        if (Code < 0x80) {
          Scratch.push_back(char(Code));
        } else if (Code < 0x800) {
          Scratch.push_back(char(0xC0 | (Code >> 6)));
          Scratch.push_back(char(0x80 | (Code & 0x3F)));
        } else {
          Scratch.push_back(char(0xE0 | (Code >> 12)));
          Scratch.push_back(char(0x80 | ((Code >> 6) & 0x3F)));
          Scratch.push_back(char(0x80 | (Code & 0x3F)));
        }
        break;
      }
      default: Scratch.push_back(V[I]);
      }
    }
    return Scratch;
  }

  /// Drops the bytes before `Keep` (default: before Pos), reads more.
  /// Returns false at the end of the input.
  bool refill(size_t Keep = size_t(-1)) {
    if (Keep == size_t(-1))
      Keep = Pos;
    if (Eof)
      return false;
    std::memmove(Buf.data(), Buf.data() + Keep, Len - Keep);
    Len -= Keep;
    Pos -= Keep;
    Base += Keep;
    if (Len == Buf.size())
      Buf.resize(Buf.size() * 2);
    size_t Want = Buf.size() - Len;
    std::uint64_t At = Base + Len;
    if (Limit) {
      if (At >= Limit) {
        Eof = true;
        return false;
      }
      Want = size_t(std::min<std::uint64_t>(Want, Limit - At));
    }
    ssize_t N;
    do
      N = ::pread(Fd, Buf.data() + Len, Want, off_t(At));
    while (N < 0 && errno == EINTR);
    if (N < 0)
      throw FormatError(Origin + ": read error: " + std::strerror(errno));
    if (N == 0) {
      Eof = true;
      return false;
    }
    Len += size_t(N);
    return true;
  }

  std::string Origin;
  int Fd;
  std::vector<char> Buf;
  size_t Pos = 0, Len = 0;
  std::uint64_t Base = 0;  // file offset of Buf[0]
  std::uint64_t Limit = 0; // read no further (0: the end)
  bool Eof = false;
  std::string Scratch;
};

std::uint64_t fnv(std::string_view S) {
  std::uint64_t H = 1469598103934665603ULL;
  for (char C : S)
    H = (H ^ std::uint8_t(C)) * 1099511628211ULL;
  return H ? H : 1;
}

bool hex64(std::string_view S, std::uint64_t &Out) {
  auto R = std::from_chars(S.data(), S.data() + S.size(), Out, 16);
  return R.ec == std::errc() && R.ptr == S.data() + S.size();
}

/// Trace ids: 32 hex digits; span ids: 16. Anything else (base64 from a
/// protobuf-JSON exporter) is hashed, which keeps identity.
void parseId(std::string_view S, std::uint64_t &Hi, std::uint64_t &Lo) {
  Hi = Lo = 0;
  if (S.empty())
    return;
  if (S.size() == 32 && hex64(S.substr(0, 16), Hi) &&
      hex64(S.substr(16), Lo))
    return;
  if (S.size() == 16 && hex64(S, Lo))
    return;
  Lo = fnv(S);
}

std::uint64_t parseSpanId(std::string_view S) {
  std::uint64_t Hi, Lo;
  parseId(S, Hi, Lo);
  return Lo ^ Hi;
}

struct AttrValue {
  enum { None, Str, Num, Bool } Type = None;
  std::string S;
  double N = 0;
  bool B = false;
};

class OtlpReader {
public:
  OtlpReader(Scanner &Sc, TraceSet &Out, int FileIdx)
      : Sc(Sc), Out(Out), FileIdx(FileIdx) {}

  void run(bool AllowEmpty = false) {
    bool Any = false;
    while (Sc.peek() >= 0) {
      document();
      Any = true;
    }
    if (!Any && !AllowEmpty)
      throw FormatError(Sc.origin() +
                        ": file is empty, expected OTLP/JSON traces "
                        "({\"resourceSpans\": [...]} or JSON Lines of them)");
  }

private:
  void document() {
    ++Out.Documents;
    if (Sc.peek() != '{')
      Sc.fail("expected an OTLP/JSON document {\"resourceSpans\": [...]}");
    bool Saw = false;
    std::string Format, Keys;
    Sc.object("a document", [&](std::string_view Key) {
      if (Key == "resourceSpans") {
        Saw = true;
        Sc.array("an array of resourceSpans", [&](size_t I) {
          Scanner::Guard G(Sc, "resourceSpans", long(I));
          resourceSpans();
        });
        return;
      }
      if (Key == "format" && Sc.peek() == '"') {
        Format = std::string(Sc.string("a string"));
        return;
      }
      if (Keys.size() < 80)
        Keys += (Keys.empty() ? "" : ", ") + std::string(Key);
      Sc.skipValue();
    });
    if (!Saw) {
      if (!Format.empty())
        Sc.fail("this is a " + Format +
                " document, not an OTLP/JSON trace export");
      Sc.fail("expected \"resourceSpans\" in an OTLP/JSON document (keys: " +
              (Keys.empty() ? std::string("none") : Keys) + ")");
    }
  }

  void resourceSpans() {
    size_t First = Out.Spans.size();
    int ResGroup = -1, ResFunction = -1;
    float ResMemory = -1;
    Sc.object("a resourceSpans object", [&](std::string_view Key) {
      if (Key == "resource") {
        Scanner::Guard G(Sc, "resource");
        Sc.object("a resource object", [&](std::string_view K) {
          if (K != "attributes") {
            Sc.skipValue();
            return;
          }
          attributes([&](const std::string &A, const AttrValue &V) {
            if (A == "fusion.group" && V.Type == AttrValue::Str)
              ResGroup = Out.Names.intern(V.S);
            else if (A == "faas.name" && V.Type == AttrValue::Str)
              ResFunction = Out.Names.intern(V.S);
            else if (A == "faas.max_memory" && V.Type == AttrValue::Num)
              ResMemory = float(V.N / (1024.0 * 1024.0));
            else if (A == "fusion.memory_mb" && V.Type == AttrValue::Num)
              ResMemory = float(V.N);
            else if (A == "fusion.host_cpus" && V.Type == AttrValue::Num &&
                     V.N > Out.HostCpus)
              Out.HostCpus = V.N;
          });
        });
        return;
      }
      if (Key == "scopeSpans" || Key == "instrumentationLibrarySpans") {
        const char *Name = Key == "scopeSpans" ? "scopeSpans"
                                               : "instrumentationLibrarySpans";
        Sc.array("an array of scopeSpans", [&](size_t I) {
          Scanner::Guard G(Sc, Name, long(I));
          Sc.object("a scopeSpans object", [&](std::string_view K) {
            if (K != "spans") {
              Sc.skipValue();
              return;
            }
            Sc.array("an array of spans", [&](size_t J) {
              Scanner::Guard G2(Sc, "spans", long(J));
              span();
            });
          });
        });
        return;
      }
      Sc.skipValue();
    });
    // The resource may come after the spans in the object.
    for (size_t I = First; I < Out.Spans.size(); ++I) {
      RawSpan &S = Out.Spans[I];
      if (S.Group < 0)
        S.Group = ResGroup;
      if (S.MemoryMB < 0)
        S.MemoryMB = ResMemory;
      if (S.Function < 0 && S.Kind == SpanKind::Server)
        S.Function = ResFunction;
    }
  }

  template <class Fn> void attributes(Fn F) {
    Sc.array("an array of attributes", [&](size_t I) {
      Scanner::Guard G(Sc, "attributes", long(I));
      Key.clear();
      AttrValue &V = Value;
      V.Type = AttrValue::None;
      Sc.object("an attribute {\"key\", \"value\"}", [&](std::string_view K) {
        if (K == "key") {
          Key.assign(Sc.string("the attribute's key as a string"));
          return;
        }
        if (K != "value") {
          Sc.skipValue();
          return;
        }
        Sc.object("an attribute value object", [&](std::string_view T) {
          if (T == "stringValue") {
            V.Type = AttrValue::Str;
            V.S.assign(Sc.string("a string"));
          } else if (T == "intValue" || T == "doubleValue") {
            V.Type = AttrValue::Num;
            if (Sc.peek() == '"') {
              std::string_view S = Sc.string("a number");
              auto R = std::from_chars(S.data(), S.data() + S.size(), V.N);
              if (R.ec != std::errc())
                Sc.fail(std::string(T) + ": expected a number, got \"" +
                        std::string(S) + "\"");
            } else {
              V.N = Sc.number("a number");
            }
          } else if (T == "boolValue") {
            V.Type = AttrValue::Bool;
            V.B = Sc.boolean("true or false");
          } else {
            Sc.skipValue();
          }
        });
      });
      if (!Key.empty())
        F(Key, V);
    });
  }

  std::int64_t nanos(const char *What) {
    int P = Sc.peek();
    if (P == '"') {
      std::string_view S = Sc.string(What);
      std::int64_t V = 0;
      auto R = std::from_chars(S.data(), S.data() + S.size(), V);
      if (R.ec != std::errc() || R.ptr != S.data() + S.size())
        Sc.fail(std::string(What) + ": expected nanoseconds, got \"" +
                std::string(S) + "\"");
      return V;
    }
    if (P == '-' || (P >= '0' && P <= '9'))
      return std::int64_t(Sc.number(What));
    Sc.fail(std::string(What) +
            ": expected nanoseconds as a string or number, got " +
            (P == 't' || P == 'f' ? "a boolean"
             : P == '{'           ? "an object"
             : P == '['           ? "an array"
             : P == 'n'           ? "null"
                                  : "something else"));
  }

  void span() {
    RawSpan S;
    S.File = FileIdx;
    bool HasStart = false, HasEnd = false;
    std::string Name;
    std::string Source;
    Sc.object("a span object", [&](std::string_view Key) {
      if (Key == "traceId") {
        parseId(Sc.string("traceId as a hex string"), S.TraceHi, S.TraceLo);
      } else if (Key == "spanId") {
        S.SpanId = parseSpanId(Sc.string("spanId as a hex string"));
      } else if (Key == "parentSpanId") {
        S.ParentId = parseSpanId(Sc.string("parentSpanId as a hex string"));
      } else if (Key == "name") {
        Name = std::string(Sc.string("the span name as a string"));
      } else if (Key == "kind") {
        if (Sc.peek() == '"') {
          std::string_view K = Sc.string("a span kind");
          if (K == "SPAN_KIND_INTERNAL" || K == "INTERNAL")
            S.Kind = SpanKind::Internal;
          else if (K == "SPAN_KIND_SERVER" || K == "SERVER")
            S.Kind = SpanKind::Server;
          else if (K == "SPAN_KIND_CLIENT" || K == "CLIENT")
            S.Kind = SpanKind::Client;
          else if (K == "SPAN_KIND_PRODUCER" || K == "PRODUCER")
            S.Kind = SpanKind::Producer;
          else if (K == "SPAN_KIND_CONSUMER" || K == "CONSUMER")
            S.Kind = SpanKind::Consumer;
        } else {
          double K = Sc.number("the span kind as a number or name");
          if (K >= 0 && K <= 5)
            S.Kind = SpanKind(int(K));
        }
      } else if (Key == "startTimeUnixNano") {
        S.StartNs = nanos("startTimeUnixNano");
        HasStart = true;
      } else if (Key == "endTimeUnixNano") {
        S.EndNs = nanos("endTimeUnixNano");
        HasEnd = true;
      } else if (Key == "attributes") {
        attributes([&](const std::string &A, const AttrValue &V) {
          attribute(S, A, V, Source);
        });
      } else if (Key == "status") {
        if (Sc.peek() != '{') {
          Sc.skipValue();
          return;
        }
        Sc.object("a status object", [&](std::string_view K) {
          if (K == "code" && Sc.peek() != '"')
            S.Error = Sc.number("a status code") == 2;
          else if (K == "code") {
            std::string_view C = Sc.string("a status code");
            S.Error = C == "STATUS_CODE_ERROR" || C == "2";
          } else {
            Sc.skipValue();
          }
        });
      } else {
        Sc.skipValue();
      }
    });
    if (!HasStart || !HasEnd)
      Sc.fail(std::string("the span has no ") +
              (HasStart ? "endTimeUnixNano" : "startTimeUnixNano"));
    if (S.EndNs < S.StartNs)
      S.EndNs = S.StartNs;
    S.Platform = Source == "platform";
    if (S.Task < 0 && S.Kind == SpanKind::Server && !Name.empty())
      S.Task = Out.Names.intern(Name);
    Out.Spans.push_back(S);
  }

  void attribute(RawSpan &S, const std::string &A, const AttrValue &V,
                 std::string &Source) {
    if (A.compare(0, 7, "fusion.") == 0) {
      std::string_view K(A.data() + 7, A.size() - 7);
      if (V.Type == AttrValue::Str) {
        if (K == "task")
          S.Task = Out.Names.intern(V.S);
        else if (K == "caller")
          S.Caller = Out.Names.intern(V.S);
        else if (K == "group")
          S.Group = Out.Names.intern(V.S);
        else if (K == "source")
          Source = V.S;
        return;
      }
      if (V.Type == AttrValue::Bool) {
        if (K == "sync")
          S.Sync = V.B;
        return;
      }
      if (V.Type != AttrValue::Num)
        return;
      if (K == "cpu_ns")
        S.CpuNs = std::int64_t(V.N);
      else if (K == "task_cpu_ns")
        S.TaskCpuNs = std::int64_t(V.N);
      else if (K == "bytes_req")
        S.BytesReq = float(V.N);
      else if (K == "bytes_resp")
        S.BytesResp = float(V.N);
      else if (K == "run_delay_ns")
        S.RunDelayMs = float(V.N / 1e6);
      else if (K == "throttled_ns")
        S.ThrottledMs = float(V.N / 1e6);
      else if (K == "fault_bytes")
        S.FaultMB = float(V.N / (1024.0 * 1024.0));
      else if (K == "lock_wait_ns")
        S.LockWaitMs = float(V.N / 1e6);
      else if (K == "lock_hold_cpu_ns")
        S.LockHoldCpuMs = float(V.N / 1e6);
      else if (K == "queued_ns")
        S.Dispatched = true;
      else if (K == "billed_ms")
        S.BilledMs = float(V.N);
      else if (K == "memory_mb")
        S.MemoryMB = float(V.N);
      else if (K == "peak_memory_mb")
        S.PeakMemoryMB = float(V.N);
      else if (K == "init_ms")
        S.InitMs = float(V.N);
      else if (K == "init_memory_mb")
        S.InitMemoryMB = float(V.N);
      else if (K == "queue_ms")
        S.QueueMs = float(V.N);
      else if (K == "cost_usd")
        S.CostUsd = V.N;
      return;
    }
    if (A == "faas.coldstart" && V.Type == AttrValue::Bool)
      S.Cold = V.B;
    else if ((A == "faas.invoked_name" || A == "faas.name") &&
             V.Type == AttrValue::Str)
      S.Function = Out.Names.intern(V.S);
  }

  Scanner &Sc;
  TraceSet &Out;
  int FileIdx;
  std::string Key; // reused across attributes
  AttrValue Value;
};

} // namespace

/// Where to cut a JSON Lines file into pieces that threads can read: just
/// before a line that starts a document. Returns 0 when there is no such
/// line near `From` (one big document: read it in one piece).
static std::uint64_t splitPoint(int Fd, std::uint64_t From, std::uint64_t Size) {
  static const char Needle[] = "\n{\"resourceSpans\"";
  std::vector<char> Win(std::size_t(1) << 20);
  for (std::uint64_t At = From; At < Size && At < From + (16u << 20);
       At += Win.size() - sizeof(Needle)) {
    ssize_t N = ::pread(Fd, Win.data(), Win.size(), off_t(At));
    if (N <= 0)
      return 0;
    const void *Hit = ::memmem(Win.data(), size_t(N), Needle, sizeof(Needle) - 1);
    if (Hit)
      return At + std::uint64_t(static_cast<const char *>(Hit) - Win.data()) + 1;
    if (size_t(N) < Win.size())
      return 0;
  }
  return 0;
}

void readOtlpFile(const std::string &Path, TraceSet &Out,
                  std::uint64_t SplitAbove) {
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    throw FormatError(Path + ": cannot open: " + std::strerror(errno));
  struct Closer {
    int Fd;
    ~Closer() { ::close(Fd); }
  } C{Fd};
  Out.Files.push_back(Path);
  int FileIdx = int(Out.Files.size() - 1);
  struct stat St {};
  std::uint64_t Size = ::fstat(Fd, &St) == 0 && St.st_size > 0
                           ? std::uint64_t(St.st_size)
                           : 0;
  Out.Spans.reserve(Out.Spans.size() + size_t(Size / 500)); // ~500-800 B each
  // Large JSON Lines files are read by several threads, one piece each.
  unsigned Threads = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::uint64_t> Cuts{0};
  if (Size >= SplitAbove && Threads > 1)
    for (unsigned I = 1; I < Threads; ++I)
      if (std::uint64_t At = splitPoint(Fd, Size * I / Threads, Size);
          At > Cuts.back())
        Cuts.push_back(At);
  if (Cuts.size() == 1) {
    Scanner Sc(Path, Fd);
    OtlpReader(Sc, Out, FileIdx).run();
    return;
  }
  Cuts.push_back(Size);
  size_t Pieces = Cuts.size() - 1;
  std::vector<TraceSet> Part(Pieces);
  std::vector<std::exception_ptr> Err(Pieces);
  std::vector<std::thread> Pool;
  for (size_t I = 0; I < Pieces; ++I)
    Pool.emplace_back([&, I] {
      try {
        Part[I].Spans.reserve(size_t((Cuts[I + 1] - Cuts[I]) / 500));
        Scanner Sc(Path, Fd, Cuts[I], Cuts[I + 1]);
        OtlpReader(Sc, Part[I], FileIdx).run(/*AllowEmpty=*/true);
      } catch (...) {
        Err[I] = std::current_exception();
      }
    });
  for (std::thread &T : Pool)
    T.join();
  for (std::exception_ptr &E : Err)
    if (E)
      std::rethrow_exception(E);
  // Merge: names are interned per piece; translate them.
  for (TraceSet &P : Part) {
    std::vector<int> Map(P.Names.size());
    for (size_t N = 0; N < P.Names.size(); ++N)
      Map[N] = Out.Names.intern(P.Names.name(int(N)));
    auto Tr = [&](std::int32_t &Id) {
      if (Id >= 0)
        Id = Map[size_t(Id)];
    };
    for (RawSpan &S : P.Spans) {
      Tr(S.Task);
      Tr(S.Caller);
      Tr(S.Group);
      Tr(S.Function);
      Out.Spans.push_back(S);
    }
    Out.Documents += P.Documents;
    Out.HostCpus = std::max(Out.HostCpus, P.HostCpus);
    P = TraceSet();
  }
}

void readOtlpText(const std::string &Text, const std::string &Origin,
                  TraceSet &Out) {
  Out.Files.push_back(Origin);
  Scanner Sc(Origin, Text);
  OtlpReader(Sc, Out, int(Out.Files.size() - 1)).run();
}

} // namespace fusionize
