int beta(void) { return 4; }
