// The C declarations live in include/CTaskloopShims.h.
