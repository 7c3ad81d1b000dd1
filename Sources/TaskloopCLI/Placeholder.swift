import Taskloop
