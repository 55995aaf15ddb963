from .model_zoo import (list_models, model_entry, model_top1,
                        register_with_mmpretrain, resolve_model)

__all__ = ['list_models', 'model_entry', 'model_top1',
           'register_with_mmpretrain', 'resolve_model']
