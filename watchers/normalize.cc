#include "watchers/normalize.h"
