from .expand_pool import ExpandPoolNeck
from .pool_norm import PoolNormNeck

__all__ = ['ExpandPoolNeck', 'PoolNormNeck']
