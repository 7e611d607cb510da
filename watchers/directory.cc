#include "watchers/directory.h"
