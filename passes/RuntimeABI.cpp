//===- RuntimeABI.cpp - The constants the runtime reads -------------------===//
#include "RuntimeABI.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace llvm;

namespace fusionize {

static Constant *cString(Module &M, StringRef S, const Twine &Name) {
  LLVMContext &C = M.getContext();
  auto *Init = ConstantDataArray::getString(C, S, /*AddNull=*/true);
  auto *GV = new GlobalVariable(M, Init->getType(), /*isConstant=*/true,
                                GlobalValue::PrivateLinkage, Init, Name);
  GV->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  GV->setAlignment(Align(1));
  return GV;
}

void declareTaskInfo(Module &M, TaskIR &T) {
  if (T.Info || T.Facts->Glue.Info.empty())
    return;
  LLVMContext &C = M.getContext();
  StructType *Ty = StructType::get(
      C, {PointerType::getUnqual(C), Type::getInt32Ty(C), Type::getInt32Ty(C)});
  T.Info = new GlobalVariable(M, Ty, /*isConstant=*/true,
                              GlobalValue::ExternalLinkage, nullptr,
                              T.Facts->Glue.Info);
}

void defineTaskInfos(Module &M, const TaskModel &Model) {
  LLVMContext &C = M.getContext();
  Type *I32 = Type::getInt32Ty(C);
  for (const TaskIR &T : Model.Tasks) {
    GlobalVariable *GV = T.Info;
    if (!GV || !GV->isDeclaration())
      continue;
    auto *STy = dyn_cast<StructType>(GV->getValueType());
    if (!STy || STy->getNumElements() != 3)
      report_fatal_error("fusionize: unexpected layout of task_info for '" +
                         Twine(T.name()) + "'");
    unsigned Flags = (T.Facts->Node.ReturnsVoid ? TaskReturnsVoid : 0) |
                     (T.Facts->NoExcept ? TaskNoExcept : 0);
    Constant *Fields[] = {cString(M, T.name(), "__fusionize.name." + T.name()),
                          ConstantInt::get(I32, Flags),
                          ConstantInt::get(I32, RuntimeAbiVersion)};
    GV->setInitializer(ConstantStruct::get(STy, Fields));
    GV->setConstant(true);
    GV->setLinkage(GlobalValue::LinkOnceODRLinkage);
    GV->setComdat(M.getOrInsertComdat(GV->getName()));
    GV->setDSOLocal(true);
  }
}

void emitRegistration(Module &M, const std::vector<const TaskIR *> &Tasks) {
  if (Tasks.empty())
    return;
  LLVMContext &C = M.getContext();
  Type *Ptr = PointerType::getUnqual(C);
  Type *I32 = Type::getInt32Ty(C);
  StructType *RegTy = StructType::get(C, {Ptr, Ptr, Ptr, I32, I32});
  std::vector<Constant *> Regs;
  for (const TaskIR *T : Tasks) {
    std::vector<Constant *> Names;
    for (const TaskParam &P : T->Facts->Node.Params)
      Names.push_back(cString(M, P.Name, "__fusionize.param." + T->name()));
    Constant *Params = ConstantPointerNull::get(cast<PointerType>(Ptr));
    if (!Names.empty()) {
      auto *ArrTy = ArrayType::get(Ptr, Names.size());
      Params = new GlobalVariable(M, ArrTy, true, GlobalValue::PrivateLinkage,
                                  ConstantArray::get(ArrTy, Names),
                                  "__fusionize.params." + T->name());
    }
    Regs.push_back(ConstantStruct::get(
        RegTy, {T->Info, T->Entry, Params, ConstantInt::get(I32, Names.size()),
                ConstantInt::get(I32, RuntimeAbiVersion)}));
  }
  auto *TableTy = ArrayType::get(RegTy, Regs.size());
  auto *Table = new GlobalVariable(
      M, TableTy, true, GlobalValue::InternalLinkage,
      ConstantArray::get(TableTy, Regs), "__fusionize.tasks");

  // void __fusionize_register_tasks(const task_registration *, size_t)
  Type *SizeTy = M.getDataLayout().getIntPtrType(C);
  FunctionCallee Register = M.getOrInsertFunction(
      "__fusionize_register_tasks",
      FunctionType::get(Type::getVoidTy(C), {Ptr, SizeTy}, false));
  Function *Ctor =
      Function::Create(FunctionType::get(Type::getVoidTy(C), false),
                       GlobalValue::InternalLinkage, "__fusionize.register", M);
  IRBuilder<> B(BasicBlock::Create(C, "entry", Ctor));
  B.CreateCall(Register, {Table, ConstantInt::get(SizeTy, Regs.size())});
  B.CreateRetVoid();
  appendToGlobalCtors(M, Ctor, 65535);
}

} // namespace fusionize
