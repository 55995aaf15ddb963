from .model_zoo import list_models, register_with_mmpretrain, resolve_model

__all__ = ['list_models', 'register_with_mmpretrain', 'resolve_model']
