from .expand_pool import ExpandPoolNeck

__all__ = ['ExpandPoolNeck']
