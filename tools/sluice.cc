// Placeholder until the CLI lands (replaced in the spine commit).
int main() { return 0; }
