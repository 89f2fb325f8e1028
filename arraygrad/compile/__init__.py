"""``ag.compile``: record a training step once, replay its kernel calls faster."""

from arraygrad.compile.api import CompiledFunction, CompileError, CompileWarning, compile

__all__ = ["compile", "CompiledFunction", "CompileError", "CompileWarning"]
