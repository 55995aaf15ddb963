"""The spatial token mixers: every module of this package (mixers, and the
contract and mechanics they share) is imported here, which registers the
mixers in ``mmstm.registry.MODELS``.
A new mixer is its file and nothing else in this package;
its classes are exported under their names."""
import importlib
import inspect
import pkgutil

from .base import BaseSTM, mixer_class, registered_mixers

__all__ = ['BaseSTM', 'mixer_class', 'registered_mixers']

for _info in pkgutil.iter_modules(__path__):
    _module = importlib.import_module(f'{__name__}.{_info.name}')
    for _name, _cls in inspect.getmembers(_module, inspect.isclass):
        if issubclass(_cls, BaseSTM) and _cls is not BaseSTM and \
                _cls.__module__ == _module.__name__:
            globals()[_name] = _cls
            __all__.append(_name)
