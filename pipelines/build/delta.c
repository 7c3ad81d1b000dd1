int delta(void) { return 5; }
