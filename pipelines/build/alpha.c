int alpha(void) { return 5; }
