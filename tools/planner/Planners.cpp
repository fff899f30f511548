//===- planner/Planners.cpp - Choosing groups and memory sizes ------------===//
#include "planner/Planners.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <set>

namespace fusionize {

std::vector<unsigned> feasibleSizes(const Model &M, const Layout &L, int Block,
                                    const PlannerSettings &S,
                                    const CostModelOptions &CO) {
  double Peak = 0;
  for (size_t T = 0; T < L.Home.size(); ++T)
    if (L.in(int(T), Block))
      Peak = std::max(Peak, M.Tasks[T].PeakMemoryMB);
  std::vector<unsigned> R;
  for (unsigned Mem : S.MemorySizes)
    if (Mem >= Peak * CO.PeakMemoryHeadroom)
      R.push_back(Mem);
  if (R.empty() && !S.MemorySizes.empty())
    R.push_back(S.MemorySizes.back());
  return R;
}

namespace {

/// Sizes worth trying for a block: no CPU work means the smallest is best;
/// without concurrency inside the block, sizes beyond one full vCPU only
/// cost more.
std::vector<unsigned> usefulSizes(const Model &M, const Layout &L, int Block,
                                  const PlannerContext &C) {
  std::vector<unsigned> R = feasibleSizes(M, L, Block, C.Settings, C.CO);
  double Cpu = 0, Threads = 1;
  for (size_t T = 0; T < L.Home.size(); ++T) {
    if (!L.in(int(T), Block))
      continue;
    Cpu += M.Tasks[T].CpuMs;
    for (int EI : M.Tasks[T].Out) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Kind == EdgeKind::Async && E.Calls > 0 && L.in(E.Callee, Block))
        Threads += std::max(1.0, E.Calls);
    }
  }
  if (R.empty())
    return R;
  if (Cpu <= 0)
    return {R.front()};
  // At most `Threads` threads run at once: a share beyond that cannot make
  // the block faster, only dearer.
  std::vector<unsigned> Keep;
  for (unsigned Mem : R) {
    Keep.push_back(Mem);
    if (M.cpuShare(Mem) >= Threads)
      break;
  }
  return Keep;
}

/// Evaluates one component of a layout.
class CompEval {
public:
  CompEval(PlannerContext &C) : C(C), F(C.M, C.CO) {}
  Score operator()(const Layout &L, int Comp) {
    ++C.Evaluations;
    F.evaluate(L, R, Comp);
    return C.S.score(R, Comp);
  }
  PlannerContext &C;
  FastEval F;
  FastEval::Result R;
};

int newBlock(Layout &L, unsigned Mem) {
  L.Memory.push_back(Mem);
  L.Timeout.push_back(DefaultTimeoutS);
  if (!L.Names.empty())
    L.Names.push_back("");
  return int(L.Memory.size() - 1);
}

/// Tries every useful size for `Block`; keeps the best. Returns true when
/// the block's memory changed.
bool tuneMemory(Layout &L, int Block, int Comp, CompEval &Eval, Score &Best) {
  unsigned Start = L.Memory[size_t(Block)];
  unsigned BestMem = Start;
  for (unsigned Mem : usefulSizes(Eval.C.M, L, Block, Eval.C)) {
    if (Mem == Start)
      continue;
    L.Memory[size_t(Block)] = Mem;
    Score S = Eval(L, Comp);
    if (S.better(Best)) {
      Best = S;
      BestMem = Mem;
    }
  }
  L.Memory[size_t(Block)] = BestMem;
  return BestMem != Start;
}

std::vector<int> blocksOf(const Layout &L, const std::vector<int> &Tasks) {
  std::set<int> B;
  for (int T : Tasks) {
    B.insert(L.Home[size_t(T)]);
    for (int X : L.Copies[size_t(T)])
      B.insert(X);
  }
  return {B.begin(), B.end()};
}

/// Coordinate descent on the memory sizes of `Blocks` until no size
/// changes (at most `Sweeps` sweeps).
void descendMemory(Layout &L, const std::vector<int> &Blocks, int Comp,
                   CompEval &Eval, Score &Best, unsigned Sweeps = 4) {
  for (unsigned I = 0; I < Sweeps; ++I) {
    bool Changed = false;
    for (int B : Blocks)
      Changed |= tuneMemory(L, B, Comp, Eval, Best);
    if (!Changed)
      break;
  }
}

/// The same size for every block of the component, the best one.
void uniformMemory(Layout &L, const std::vector<int> &Blocks, int Comp,
                   CompEval &Eval, Score &Best) {
  std::vector<unsigned> Keep;
  for (int B : Blocks)
    Keep.push_back(L.Memory[size_t(B)]);
  Best = Eval(L, Comp);
  for (unsigned Mem : Eval.C.Settings.MemorySizes) {
    bool Ok = true;
    for (int B : Blocks) {
      auto F = feasibleSizes(Eval.C.M, L, B, Eval.C.Settings, Eval.C.CO);
      Ok &= std::find(F.begin(), F.end(), Mem) != F.end();
    }
    if (!Ok)
      continue;
    for (int B : Blocks)
      L.Memory[size_t(B)] = Mem;
    Score S = Eval(L, Comp);
    if (S.better(Best)) {
      Best = S;
      for (size_t I = 0; I < Blocks.size(); ++I)
        Keep[I] = Mem;
    }
  }
  for (size_t I = 0; I < Blocks.size(); ++I)
    L.Memory[size_t(Blocks[I])] = Keep[I];
}

//===-- search -------------------------------------------------------------===//

void searchComponent(Layout &L, int Comp, CompEval &Eval) {
  const Model &M = Eval.C.M;
  const std::vector<int> &Tasks = M.ComponentTasks[size_t(Comp)];
  // Start from one block per task (Fusionize's starting point).
  unsigned Start = Eval.C.Settings.MemorySizes.empty()
                       ? DefaultMemoryMB
                       : Eval.C.Settings.MemorySizes.front();
  for (int T : Tasks) {
    L.Home[size_t(T)] = newBlock(L, Start);
    L.Copies[size_t(T)].clear();
  }
  Score Best;
  uniformMemory(L, blocksOf(L, Tasks), Comp, Eval, Best);
  for (int T : Tasks) // feasibility per block
    if (auto F = feasibleSizes(M, L, L.Home[size_t(T)], Eval.C.Settings,
                               Eval.C.CO);
        !F.empty() &&
        std::find(F.begin(), F.end(), L.Memory[size_t(L.Home[size_t(T)])]) ==
            F.end())
      L.Memory[size_t(L.Home[size_t(T)])] = F.front();
  Best = Eval(L, Comp);

  // Greedy merging along the heaviest edges first.
  std::vector<int> Edges;
  for (int T : Tasks)
    for (int EI : M.Tasks[size_t(T)].Out)
      if (!M.Edges[size_t(EI)].Back && M.Edges[size_t(EI)].Calls > 0)
        Edges.push_back(EI);
  auto Weight = [&](int EI) {
    const Model::Edge &E = M.Edges[size_t(EI)];
    double W = E.CallsPerRequest > 0 ? E.CallsPerRequest : E.Calls;
    return W * (E.Kind == EdgeKind::Sync ? M.syncOverheadMs(E) : M.AckMs);
  };
  std::sort(Edges.begin(), Edges.end(), [&](int A, int B) {
    double WA = Weight(A), WB = Weight(B);
    return WA != WB ? WA > WB : A < B;
  });
  auto MoveBlock = [&](int From, int To) {
    for (int T : Tasks)
      if (L.Home[size_t(T)] == From)
        L.Home[size_t(T)] = To;
  };
  for (unsigned Round = 0; Round < 2; ++Round) {
    bool Any = false;
    for (int EI : Edges) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      int BU = L.Home[size_t(E.Caller)], BV = L.Home[size_t(E.Callee)];
      if (BU == BV)
        continue;
      Layout Keep = L;
      Layout BestL;
      Score BestS = Best;
      // Merge the callee's block into the caller's, at either size.
      for (unsigned Mem : {L.Memory[size_t(BU)], L.Memory[size_t(BV)]}) {
        MoveBlock(BV, BU);
        L.Memory[size_t(BU)] = Mem;
        Score S = Eval(L, Comp);
        if (S.better(BestS)) {
          BestS = S;
          BestL = L;
        }
        L = Keep;
      }
      // Or copy the callee into the caller's block.
      if (E.Kind == EdgeKind::Sync) {
        L.Copies[size_t(E.Callee)].push_back(BU);
        Score S = Eval(L, Comp);
        if (S.better(BestS)) {
          BestS = S;
          BestL = L;
        }
        L = Keep;
      }
      if (BestS.better(Best)) {
        L = std::move(BestL);
        Best = BestS;
        Any = true;
      }
    }
    // Memory after the grouping moved.
    descendMemory(L, blocksOf(L, Tasks), Comp, Eval, Best, 2);
    if (!Any)
      break;
  }

  // Local moves: a task to a neighbour's block or to a block of its own.
  for (unsigned Round = 0; Round < Eval.C.Settings.SearchRounds; ++Round) {
    bool Any = false;
    for (int T : Tasks) {
      std::set<int> Targets;
      for (int EI : M.Tasks[size_t(T)].Out)
        Targets.insert(L.Home[size_t(M.Edges[size_t(EI)].Callee)]);
      for (int EI : M.Tasks[size_t(T)].In)
        Targets.insert(L.Home[size_t(M.Edges[size_t(EI)].Caller)]);
      int Own = L.Home[size_t(T)];
      Targets.erase(Own);
      Layout Keep = L;
      Layout BestL;
      Score BestS = Best;
      for (int B : Targets) {
        L.Home[size_t(T)] = B;
        auto &Cp = L.Copies[size_t(T)];
        Cp.erase(std::remove(Cp.begin(), Cp.end(), B), Cp.end());
        Score S = Eval(L, Comp);
        if (S.better(BestS)) {
          BestS = S;
          BestL = L;
        }
        L = Keep;
      }
      bool Alone = true;
      for (int U : Tasks)
        Alone &= U == T || L.Home[size_t(U)] != Own;
      if (!Alone) {
        L.Home[size_t(T)] = newBlock(L, L.Memory[size_t(Own)]);
        Score S = Eval(L, Comp);
        if (S.better(BestS)) {
          BestS = S;
          BestL = L;
        }
        L = Keep;
      }
      if (BestS.better(Best)) {
        L = std::move(BestL);
        Best = BestS;
        Any = true;
      }
    }
    descendMemory(L, blocksOf(L, Tasks), Comp, Eval, Best, 2);
    if (!Any)
      break;
  }
}

//===-- exhaustive ---------------------------------------------------------===//

struct Candidate {
  Score S;
  std::vector<int> Rgs;
  unsigned CopyMask = 0;
  std::vector<unsigned> Memory;
};

void exhaustiveComponent(Layout &L, int Comp, CompEval &Eval) {
  const Model &M = Eval.C.M;
  const std::vector<int> &Tasks = M.ComponentTasks[size_t(Comp)];
  size_t N = Tasks.size();
  std::map<int, size_t> Local;
  for (size_t I = 0; I < N; ++I)
    Local[Tasks[I]] = I;
  std::vector<std::vector<size_t>> Adj(N);
  for (int T : Tasks)
    for (int EI : M.Tasks[size_t(T)].Out) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Calls <= 0 || E.Callee == T)
        continue;
      Adj[Local[T]].push_back(Local[E.Callee]);
      Adj[Local[E.Callee]].push_back(Local[T]);
    }
  size_t Base = L.blocks();
  Candidate BestC;
  BestC.S.Violation = BestC.S.Value = HUGE_VAL;
  unsigned long Partitions = 0, Combos = 0;
  std::vector<int> Rgs(N, 0);

  auto Connected = [&](int K) {
    std::vector<int> Seen(N, 0);
    for (int B = 0; B < K; ++B) {
      size_t First = N, Size = 0;
      for (size_t I = 0; I < N; ++I)
        if (Rgs[I] == B) {
          ++Size;
          if (First == N)
            First = I;
        }
      std::deque<size_t> Q{First};
      Seen[First] = 1;
      size_t Reached = 1;
      while (!Q.empty()) {
        size_t X = Q.front();
        Q.pop_front();
        for (size_t Y : Adj[X])
          if (!Seen[Y] && Rgs[Y] == B) {
            Seen[Y] = 1;
            ++Reached;
            Q.push_back(Y);
          }
      }
      if (Reached != Size)
        return false;
    }
    return true;
  };

  auto Consider = [&](const Score &S, unsigned Mask) {
    if (!S.better(BestC.S))
      return;
    BestC.S = S;
    BestC.Rgs = Rgs;
    BestC.CopyMask = Mask;
    BestC.Memory.assign(L.Memory.begin() + long(Base), L.Memory.end());
  };

  auto EvaluatePartition = [&](int K) {
    ++Partitions;
    L.Memory.resize(Base + size_t(K));
    L.Timeout.resize(Base + size_t(K), DefaultTimeoutS);
    if (!L.Names.empty())
      L.Names.resize(Base + size_t(K));
    for (size_t I = 0; I < N; ++I) {
      L.Home[size_t(Tasks[I])] = int(Base) + Rgs[I];
      L.Copies[size_t(Tasks[I])].clear();
    }
    // Copy options: a task called synchronously from other blocks.
    std::vector<std::pair<int, std::vector<int>>> Eligible;
    for (int T : Tasks) {
      std::set<int> From;
      for (int EI : M.Tasks[size_t(T)].In) {
        const Model::Edge &E = M.Edges[size_t(EI)];
        if (E.Kind == EdgeKind::Sync && E.Calls > 0 &&
            L.Home[size_t(E.Caller)] != L.Home[size_t(T)])
          From.insert(L.Home[size_t(E.Caller)]);
      }
      if (!From.empty() && (From.size() > 1 || !M.Tasks[size_t(T)].In.empty()))
        Eligible.emplace_back(T, std::vector<int>(From.begin(), From.end()));
    }
    unsigned Masks = Eligible.size() <= 6 ? 1u << Eligible.size() : 2;
    for (unsigned Mask = 0; Mask < Masks; ++Mask) {
      unsigned Bits = Eligible.size() <= 6 ? Mask : (Mask ? ~0u : 0u);
      for (size_t I = 0; I < Eligible.size(); ++I)
        L.Copies[size_t(Eligible[I].first)] =
            Bits & (1u << I) ? Eligible[I].second : std::vector<int>();
      std::vector<std::vector<unsigned>> Sizes;
      unsigned long Product = 1;
      for (int B = 0; B < K; ++B) {
        Sizes.push_back(usefulSizes(M, L, int(Base) + B, Eval.C));
        Product *= std::max<size_t>(1, Sizes.back().size());
        if (Product > Eval.C.Settings.MaxMemoryCombos)
          Product = Eval.C.Settings.MaxMemoryCombos + 1;
      }
      if (Product <= Eval.C.Settings.MaxMemoryCombos) {
        std::vector<size_t> Digit(size_t(K), 0);
        for (;;) {
          for (int B = 0; B < K; ++B)
            L.Memory[Base + size_t(B)] = Sizes[size_t(B)][Digit[size_t(B)]];
          ++Combos;
          Consider(Eval(L, Comp), Bits);
          int B = 0;
          while (B < K && ++Digit[size_t(B)] == Sizes[size_t(B)].size())
            Digit[size_t(B++)] = 0;
          if (B == K)
            break;
        }
      } else {
        std::vector<int> Blocks;
        for (int B = 0; B < K; ++B)
          Blocks.push_back(int(Base) + B);
        for (int Start = 0; Start < 2; ++Start) {
          Score S;
          if (Start == 0) {
            for (int B = 0; B < K; ++B)
              L.Memory[Base + size_t(B)] = Sizes[size_t(B)].front();
            S = Eval(L, Comp);
          } else {
            uniformMemory(L, Blocks, Comp, Eval, S);
          }
          descendMemory(L, Blocks, Comp, Eval, S);
          ++Combos;
          Consider(S, Bits);
        }
      }
    }
  };

  std::function<void(size_t, int)> Rec = [&](size_t I, int K) {
    if (I == N) {
      if (Connected(K))
        EvaluatePartition(K);
      return;
    }
    for (int B = 0; B <= K; ++B) {
      Rgs[I] = B;
      Rec(I + 1, std::max(K, B + 1));
    }
  };
  Rec(0, 0);

  // Apply the best.
  int K = 0;
  for (int X : BestC.Rgs)
    K = std::max(K, X + 1);
  L.Memory.resize(Base);
  L.Timeout.resize(Base);
  if (!L.Names.empty())
    L.Names.resize(Base);
  for (int B = 0; B < K; ++B)
    newBlock(L, BestC.Memory[size_t(B)]);
  Rgs = BestC.Rgs;
  for (size_t I = 0; I < N; ++I) {
    L.Home[size_t(Tasks[I])] = int(Base) + Rgs[I];
    L.Copies[size_t(Tasks[I])].clear();
  }
  // Re-derive the copies of the chosen mask (same order as above).
  std::vector<std::pair<int, std::vector<int>>> Eligible;
  for (int T : Tasks) {
    std::set<int> From;
    for (int EI : M.Tasks[size_t(T)].In) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Kind == EdgeKind::Sync && E.Calls > 0 &&
          L.Home[size_t(E.Caller)] != L.Home[size_t(T)])
        From.insert(L.Home[size_t(E.Caller)]);
    }
    if (!From.empty() && (From.size() > 1 || !M.Tasks[size_t(T)].In.empty()))
      Eligible.emplace_back(T, std::vector<int>(From.begin(), From.end()));
  }
  for (size_t I = 0; I < Eligible.size(); ++I)
    if (BestC.CopyMask & (1u << I))
      L.Copies[size_t(Eligible[I].first)] = Eligible[I].second;
  Eval.C.Notes.push_back(
      "exhaustive: component of " + std::to_string(N) + " task(s): " +
      std::to_string(Partitions) + " connected partitions, " +
      std::to_string(Combos) + " memory assignments evaluated");
}

Layout planComponents(PlannerContext &C, bool Exhaustive, bool Auto) {
  Layout L = C.Current;
  CompEval Eval(C);
  for (int Comp = 0; Comp < C.M.Components; ++Comp) {
    size_t N = C.M.ComponentTasks[size_t(Comp)].size();
    bool Small = N <= C.Settings.MaxExhaustiveTasks;
    Score Before = Eval(L, Comp);
    Layout Keep = L;
    if ((Exhaustive || Auto) && Small) {
      exhaustiveComponent(L, Comp, Eval);
    } else {
      if (Exhaustive)
        C.Notes.push_back("exhaustive: a component of " + std::to_string(N) +
                          " tasks is too large (more than " +
                          std::to_string(C.Settings.MaxExhaustiveTasks) +
                          "): searched instead");
      searchComponent(L, Comp, Eval);
    }
    // Never worse than where we started.
    if (Before.better(Eval(L, Comp)))
      L = std::move(Keep);
  }
  L.compact();
  return L;
}

//===-- fusionize heuristic -----------------------------------------------===//

std::string name(const Model &M, int T) { return M.Tasks[size_t(T)].Name; }

} // namespace

Layout planSearch(PlannerContext &C) { return planComponents(C, false, false); }
Layout planExhaustive(PlannerContext &C) {
  return planComponents(C, true, false);
}
Layout planAuto(PlannerContext &C) { return planComponents(C, false, true); }

Layout planHeuristic(PlannerContext &C) {
  const Model &M = C.M;
  Layout L = C.Current;
  auto BlockName = [&](int B) {
    if (!L.Names.empty() && size_t(B) < L.Names.size() && !L.Names[size_t(B)].empty())
      return L.Names[size_t(B)];
    for (size_t T = 0; T < L.Home.size(); ++T)
      if (L.Home[T] == B)
        return M.Tasks[T].Name;
    return std::string("group");
  };
  // Breadth-first from the entry tasks, over the calls the trace saw.
  std::vector<int> Order;
  std::vector<int> Seen(M.Tasks.size(), 0);
  std::deque<int> Q;
  for (const Model::Entry &E : M.Entries)
    if (!Seen[size_t(E.Task)]++)
      Q.push_back(E.Task);
  while (!Q.empty()) {
    int T = Q.front();
    Q.pop_front();
    Order.push_back(T);
    for (int EI : M.Tasks[size_t(T)].Out) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Calls > 0 && !Seen[size_t(E.Callee)]++)
        Q.push_back(E.Callee);
    }
  }
  auto SyncCalledIn = [&](int V, int B) {
    for (int EI : M.Tasks[size_t(V)].In) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Kind == EdgeKind::Sync && E.Calls > 0 && L.in(E.Caller, B))
        return true;
    }
    return false;
  };
  auto IsEntry = [&](int V) {
    for (const Model::Entry &E : M.Entries)
      if (E.Task == V)
        return true;
    return false;
  };
  for (int U : Order) {
    std::vector<int> Blocks{L.Home[size_t(U)]};
    for (int B : L.Copies[size_t(U)])
      Blocks.push_back(B);
    for (int B : Blocks) {
      for (int EI : M.Tasks[size_t(U)].Out) {
        const Model::Edge &E = M.Edges[size_t(EI)];
        int V = E.Callee;
        if (E.Calls <= 0 || E.Back || V == U)
          continue;
        if (E.Kind == EdgeKind::Sync && !L.in(V, B)) {
          // Fuse: the callee joins the caller's group. It moves there if
          // nothing else calls it remotely, else it is copied (Fusionize++).
          bool Others = IsEntry(V);
          for (int EJ : M.Tasks[size_t(V)].In) {
            const Model::Edge &F = M.Edges[size_t(EJ)];
            if (F.Calls > 0 && F.Caller != V && !L.in(F.Caller, B))
              Others = true;
          }
          std::string From = BlockName(L.Home[size_t(V)]);
          if (Others) {
            L.Copies[size_t(V)].push_back(B);
            C.Notes.push_back("fusionize: copy " + name(M, V) +
                              " into group " + BlockName(B) +
                              " (called synchronously by " + name(M, U) +
                              ")");
          } else {
            auto &Cp = L.Copies[size_t(V)];
            Cp.erase(std::remove(Cp.begin(), Cp.end(), B), Cp.end());
            L.Home[size_t(V)] = B;
            C.Notes.push_back("fusionize: fuse " + name(M, V) +
                              " into group " + BlockName(B) +
                              " (called synchronously by " + name(M, U) +
                              "), leaving group " + From);
          }
          L.compact();
          return L;
        }
        if (E.Kind == EdgeKind::Async && L.in(V, B) && !SyncCalledIn(V, B)) {
          // Split: an asynchronously called task runs in its own function.
          if (L.Home[size_t(V)] == B) {
            L.Home[size_t(V)] = newBlock(L, L.Memory[size_t(B)]);
            if (!L.Names.empty())
              L.Names.back() = name(M, V);
          } else {
            auto &Cp = L.Copies[size_t(V)];
            Cp.erase(std::remove(Cp.begin(), Cp.end(), B), Cp.end());
          }
          C.Notes.push_back("fusionize: split " + name(M, V) + " out of group " +
                            BlockName(B) + " (called asynchronously by " +
                            name(M, U) + ")");
          L.compact();
          return L;
        }
      }
    }
  }
  // The grouping has settled: memory sizes, one group per iteration, the
  // neighbouring sizes in the list tried in turn.
  CompEval Eval(C);
  Score Now = Eval(L, -1);
  for (size_t B = 0; B < L.blocks(); ++B) {
    auto Sizes = feasibleSizes(M, L, int(B), C.Settings, C.CO);
    auto It = std::lower_bound(Sizes.begin(), Sizes.end(), L.Memory[B]);
    std::vector<unsigned> Try;
    if (It != Sizes.end() && *It == L.Memory[B]) {
      if (It + 1 != Sizes.end())
        Try.push_back(*(It + 1));
      if (It != Sizes.begin())
        Try.push_back(*(It - 1));
    } else {
      if (It != Sizes.end())
        Try.push_back(*It);
      if (It != Sizes.begin())
        Try.push_back(*(It - 1));
    }
    unsigned Old = L.Memory[B], BestMem = Old;
    Score Best = Now;
    for (unsigned Mem : Try) {
      L.Memory[B] = Mem;
      Score S = Eval(L, -1);
      if (S.better(Best, 1e-6)) {
        Best = S;
        BestMem = Mem;
      }
    }
    L.Memory[B] = BestMem;
    if (BestMem != Old) {
      C.Notes.push_back("fusionize: memory of group " + BlockName(int(B)) +
                        " " + std::to_string(Old) + " -> " +
                        std::to_string(BestMem) + " MB");
      return L;
    }
  }
  C.Notes.push_back("fusionize: converged (no grouping or memory change "
                    "left)");
  return L;
}

} // namespace fusionize
