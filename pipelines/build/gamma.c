int gamma(void) { return 5; }
