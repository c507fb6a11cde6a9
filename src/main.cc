#include "cli/main.h"

int main(int argc, char** argv) {
  return companion::cli::run_main(argc, argv);
}
