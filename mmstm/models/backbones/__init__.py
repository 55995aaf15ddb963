from .archs import ARCHS, resolve_arch
from .unified import UnifiedBackbone

__all__ = ['ARCHS', 'resolve_arch', 'UnifiedBackbone']
