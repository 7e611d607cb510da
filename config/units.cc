#include "config/units.h"
