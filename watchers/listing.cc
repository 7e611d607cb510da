#include "watchers/listing.h"
