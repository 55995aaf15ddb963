from .backbones import *  # noqa: F401,F403
from .blocks import UnifiedBlock  # noqa: F401
from .necks import *  # noqa: F401,F403
from .stms import *  # noqa: F401,F403
from .task_models import *  # noqa: F401,F403
