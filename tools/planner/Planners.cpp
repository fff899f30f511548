//===- planner/Planners.cpp - Choosing groups and memory sizes ------------===//
#include "planner/Planners.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <set>

namespace fusionize {

static std::vector<unsigned> sizesForPeak(double Peak,
                                          const PlannerSettings &S,
                                          const CostModelOptions &CO);

std::vector<unsigned> feasibleSizes(const Model &M, const Layout &L, int Block,
                                    const PlannerSettings &S,
                                    const CostModelOptions &CO) {
  double Peak = 0;
  for (size_t T = 0; T < L.Home.size(); ++T)
    if (L.in(int(T), Block))
      Peak = std::max(Peak, M.Tasks[T].PeakMemoryMB);
  return sizesForPeak(Peak, S, CO);
}

static std::vector<unsigned> sizesForPeak(double Peak,
                                          const PlannerSettings &S,
                                          const CostModelOptions &CO) {
  std::vector<unsigned> R;
  for (unsigned Mem : S.MemorySizes)
    if (Mem >= Peak * CO.PeakMemoryHeadroom)
      R.push_back(Mem);
  if (R.empty() && !S.MemorySizes.empty())
    R.push_back(S.MemorySizes.back());
  return R;
}

namespace {

/// Sizes a block can use, looking only at `Tasks` (the block's component).
std::vector<unsigned> feasibleIn(const Model &M, const Layout &L, int Block,
                                 const std::vector<int> &Tasks,
                                 const PlannerContext &C) {
  double Peak = 0;
  for (int T : Tasks)
    if (L.in(T, Block))
      Peak = std::max(Peak, M.Tasks[size_t(T)].PeakMemoryMB);
  return sizesForPeak(Peak, C.Settings, C.CO);
}

/// Sizes worth trying for a block: no CPU work means the smallest is best;
/// more vCPUs than threads that can run at once only cost more.
std::vector<unsigned> usefulSizes(const Model &M, const Layout &L, int Block,
                                  const std::vector<int> &Tasks,
                                  const PlannerContext &C) {
  std::vector<unsigned> R = feasibleIn(M, L, Block, Tasks, C);
  double Cpu = 0, Threads = 1;
  for (int TI : Tasks) {
    size_t T = size_t(TI);
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
  const std::vector<int> &tasks(int Comp) const {
    return C.M.ComponentTasks[size_t(Comp)];
  }
  Score operator()(const Layout &L, int Comp) {
    ++C.Evaluations;
    F.evaluate(L, R, Comp);
    Score S = C.S.score(R, Comp);
    if (Seen)
      Seen(L, S);
    return S;
  }
  PlannerContext &C;
  FastEval F;
  FastEval::Result R;
  /// Told of every layout evaluated, when set.
  std::function<void(const Layout &, const Score &)> Seen;
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
  for (unsigned Mem : usefulSizes(Eval.C.M, L, Block, Eval.tasks(Comp),
                                  Eval.C)) {
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
      auto F = feasibleIn(Eval.C.M, L, B, Eval.tasks(Comp), Eval.C);
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

/// The part of a layout one component's moves can change, to try a move
/// and undo it without copying the whole layout.
struct Snapshot {
  std::vector<int> Home;
  std::vector<std::vector<int>> Copies;
  std::vector<std::pair<int, unsigned>> Memory;
  size_t Blocks = 0;

  void take(const Layout &L, const std::vector<int> &Tasks) {
    Home.clear();
    Copies.clear();
    Memory.clear();
    for (int T : Tasks) {
      Home.push_back(L.Home[size_t(T)]);
      Copies.push_back(L.Copies[size_t(T)]);
      Memory.emplace_back(L.Home[size_t(T)], L.Memory[size_t(L.Home[size_t(T)])]);
      for (int C : L.Copies[size_t(T)])
        Memory.emplace_back(C, L.Memory[size_t(C)]);
    }
    Blocks = L.blocks();
  }
  void restore(Layout &L, const std::vector<int> &Tasks) const {
    L.Memory.resize(Blocks);
    L.Timeout.resize(Blocks, DefaultTimeoutS);
    if (!L.Names.empty())
      L.Names.resize(Blocks);
    for (size_t I = 0; I < Tasks.size(); ++I) {
      L.Home[size_t(Tasks[I])] = Home[I];
      L.Copies[size_t(Tasks[I])] = Copies[I];
    }
    for (auto &[B, Mem] : Memory)
      L.Memory[size_t(B)] = Mem;
  }
  bool operator==(const Snapshot &O) const {
    return Blocks == O.Blocks && Home == O.Home && Copies == O.Copies &&
           Memory == O.Memory;
  }
};

/// Programs this small get Monte Carlo's word at the end of a search.
constexpr size_t SmallProgramTasks = 64;

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
    if (auto F = feasibleIn(M, L, L.Home[size_t(T)], Tasks, Eval.C);
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
  Snapshot Keep, BestSnap;
  // The last layouts the search accepted. Its estimate (FastEval) does not
  // run an instance's threads against the CPU quota in time as Monte Carlo
  // does: where a prediction is cheap, Monte Carlo picks among them at the
  // end, as the exhaustive planner does among its best.
  std::vector<Snapshot> Accepted;
  auto Remember = [&] {
    Snapshot Now;
    Now.take(L, Tasks);
    if (!Accepted.empty() && Accepted.back() == Now)
      return;
    if (Accepted.size() == 4)
      Accepted.erase(Accepted.begin());
    Accepted.push_back(std::move(Now));
  };
  // And the best layout it evaluated of each number of groups, as the
  // exhaustive planner keeps them for Monte Carlo.
  const bool Small = M.Tasks.size() <= SmallProgramTasks;
  std::map<size_t, std::pair<Score, Snapshot>> BestOfSize;
  struct Unwatch { // however the search ends
    CompEval &E;
    ~Unwatch() { E.Seen = nullptr; }
  } Unwatched{Eval};
  if (Small)
    Eval.Seen = [&](const Layout &Now, const Score &S) {
      std::set<int> Homes;
      for (int T : Tasks)
        Homes.insert(Now.Home[size_t(T)]);
      auto It = BestOfSize.find(Homes.size());
      if (It != BestOfSize.end() && !S.better(It->second.first))
        return;
      Snapshot Snap;
      Snap.take(Now, Tasks);
      BestOfSize[Homes.size()] = {S, std::move(Snap)};
    };
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
      Keep.take(L, Tasks);
      bool Found = false;
      Score BestS = Best;
      // Merge the callee's block into the caller's, at every size worth
      // trying for the merged block: under a CPU quota a merge may only pay
      // off at a larger size than either block had.
      MoveBlock(BV, BU);
      std::vector<unsigned> Sizes =
          usefulSizes(M, L, BU, Tasks, Eval.C);
      Keep.restore(L, Tasks);
      for (unsigned Mem : {L.Memory[size_t(BU)], L.Memory[size_t(BV)]})
        if (std::find(Sizes.begin(), Sizes.end(), Mem) == Sizes.end())
          Sizes.push_back(Mem);
      for (unsigned Mem : Sizes) {
        MoveBlock(BV, BU);
        L.Memory[size_t(BU)] = Mem;
        Score S = Eval(L, Comp);
        if (S.better(BestS)) {
          BestS = S;
          BestSnap.take(L, Tasks);
          Found = true;
        }
        Keep.restore(L, Tasks);
      }
      // Or copy the callee into the caller's block.
      if (E.Kind == EdgeKind::Sync) {
        L.Copies[size_t(E.Callee)].push_back(BU);
        Score S = Eval(L, Comp);
        if (S.better(BestS)) {
          BestS = S;
          BestSnap.take(L, Tasks);
          Found = true;
        }
        Keep.restore(L, Tasks);
      }
      if (Found && BestS.better(Best)) {
        BestSnap.restore(L, Tasks);
        Best = BestS;
        Any = true;
        Remember();
      }
    }
    // Memory after the grouping moved.
    descendMemory(L, blocksOf(L, Tasks), Comp, Eval, Best, 2);
    Remember();
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
      Keep.take(L, Tasks);
      bool Found = false;
      Score BestS = Best;
      for (int B : Targets) {
        // At the target's size, and at every size worth trying for the
        // block it makes: under a CPU quota a move may pay off only at
        // another size (memory descent alone never finds it, since the
        // move is not made at the old size).
        L.Home[size_t(T)] = B;
        auto &Cp = L.Copies[size_t(T)];
        Cp.erase(std::remove(Cp.begin(), Cp.end(), B), Cp.end());
        std::vector<unsigned> Sizes = usefulSizes(M, L, B, Tasks, Eval.C);
        unsigned Was = L.Memory[size_t(B)];
        if (std::find(Sizes.begin(), Sizes.end(), Was) == Sizes.end())
          Sizes.push_back(Was);
        for (unsigned Mem : Sizes) {
          L.Memory[size_t(B)] = Mem;
          Score S = Eval(L, Comp);
          if (S.better(BestS)) {
            BestS = S;
            BestSnap.take(L, Tasks);
            Found = true;
          }
        }
        Keep.restore(L, Tasks);
      }
      bool Alone = true;
      for (int U : Tasks)
        Alone &= U == T || L.Home[size_t(U)] != Own;
      if (!Alone) {
        L.Home[size_t(T)] = newBlock(L, L.Memory[size_t(Own)]);
        Score S = Eval(L, Comp);
        if (S.better(BestS)) {
          BestS = S;
          BestSnap.take(L, Tasks);
          Found = true;
        }
        Keep.restore(L, Tasks);
      }
      if (Found && BestS.better(Best)) {
        BestSnap.restore(L, Tasks);
        Best = BestS;
        Any = true;
        Remember();
      }
    }
    descendMemory(L, blocksOf(L, Tasks), Comp, Eval, Best, 2);
    Remember();
    if (!Any)
      break;
  }
  Eval.Seen = nullptr; // Monte Carlo's candidates are complete
  for (auto &[Groups, Kept] : BestOfSize)
    if (std::find(Accepted.begin(), Accepted.end(), Kept.second) ==
        Accepted.end())
      Accepted.push_back(std::move(Kept.second));
  if (Accepted.size() > 1 && Small) {
    Score BestMC;
    size_t Pick = 0;
    for (size_t I = 0; I < Accepted.size(); ++I) {
      Accepted[I].restore(L, Tasks);
      Score S = Eval.C.S.score(predict(M, L, Eval.C.CO));
      if (I == 0 || S.better(BestMC)) {
        BestMC = S;
        Pick = I;
      }
    }
    Accepted[Pick].restore(L, Tasks);
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

  // The best few by expected values, and the best of each number of
  // groups (where FastEval's ranking is off, it is most often so between
  // fewer, busier groups and more, idler ones); Monte Carlo picks among
  // them.
  const size_t Keep = 6;
  std::vector<Candidate> Top;
  std::vector<Candidate> BestOfSize(N + 1);
  auto Consider = [&](const Score &S, unsigned Mask) {
    size_t K = L.blocks() - Base;
    bool ForSize = BestOfSize[K].Rgs.empty() || S.better(BestOfSize[K].S);
    if (!ForSize && Top.size() == Keep && !S.better(Top.back().S))
      return;
    Candidate C;
    C.S = S;
    C.Rgs = Rgs;
    C.CopyMask = Mask;
    C.Memory.assign(L.Memory.begin() + long(Base), L.Memory.end());
    if (ForSize)
      BestOfSize[K] = C;
    if (Top.size() == Keep && !S.better(Top.back().S))
      return;
    auto At = std::find_if(Top.begin(), Top.end(),
                           [&](const Candidate &X) { return S.better(X.S); });
    Top.insert(At, std::move(C));
    if (Top.size() > Keep)
      Top.pop_back();
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
        Sizes.push_back(usefulSizes(M, L, int(Base) + B, Tasks, Eval.C));
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

  auto Apply = [&](const Candidate &BestC) {
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
      if (!From.empty() &&
          (From.size() > 1 || !M.Tasks[size_t(T)].In.empty()))
        Eligible.emplace_back(T, std::vector<int>(From.begin(), From.end()));
    }
    unsigned Bits = Eligible.size() <= 6 ? BestC.CopyMask
                                         : (BestC.CopyMask ? ~0u : 0u);
    for (size_t I = 0; I < Eligible.size(); ++I)
      if (Bits & (1u << I))
        L.Copies[size_t(Eligible[I].first)] = Eligible[I].second;
  };
  for (Candidate &C : BestOfSize)
    if (!C.Rgs.empty() &&
        std::none_of(Top.begin(), Top.end(), [&](const Candidate &X) {
          return X.Rgs == C.Rgs && X.CopyMask == C.CopyMask &&
                 X.Memory == C.Memory;
        }))
      Top.push_back(std::move(C));
  size_t Pick = 0;
  if (Top.size() > 1) {
    Score Best;
    for (size_t I = 0; I < Top.size(); ++I) {
      Apply(Top[I]);
      Score S = Eval.C.S.score(predict(M, L, Eval.C.CO));
      if (I == 0 || S.better(Best)) {
        Best = S;
        Pick = I;
      }
    }
  }
  Apply(Top[Pick]);
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
    Snapshot Keep;
    Keep.take(L, C.M.ComponentTasks[size_t(Comp)]);
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
      Keep.restore(L, C.M.ComponentTasks[size_t(Comp)]);
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
  std::vector<double> Peak(L.blocks(), 0);
  std::vector<int> CompOf(L.blocks(), -1);
  for (size_t T = 0; T < L.Home.size(); ++T) {
    size_t H = size_t(L.Home[T]);
    Peak[H] = std::max(Peak[H], M.Tasks[T].PeakMemoryMB);
    CompOf[H] = M.Tasks[T].Component;
    for (int X : L.Copies[T])
      Peak[size_t(X)] = std::max(Peak[size_t(X)], M.Tasks[T].PeakMemoryMB);
  }
  std::vector<int> Scored(size_t(M.Components), 0);
  std::vector<Score> Now(size_t(M.Components));
  for (size_t B = 0; B < L.blocks(); ++B) {
    int Comp = CompOf[B];
    if (Comp < 0)
      continue;
    if (!Scored[size_t(Comp)]++)
      Now[size_t(Comp)] = Eval(L, Comp);
    auto Sizes = sizesForPeak(Peak[B], C.Settings, C.CO);
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
    Score Best = Now[size_t(Comp)];
    for (unsigned Mem : Try) {
      L.Memory[B] = Mem;
      Score S = Eval(L, Comp);
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
