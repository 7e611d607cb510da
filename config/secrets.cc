#include <string>

#include "config/sections.h"

namespace freshd::config::internal {

void ReadSecret(Reader& reader, const Map& map, const SecretKeys& keys, std::string* secret) {
  const std::string& owner = keys.owner;
  const std::string file_key = keys.prefix + "_file";
  const std::string env_key = keys.prefix + "_env";
  const std::optional<Value> file = map.Get(file_key);
  const std::optional<Value> env = map.Get(env_key);
  const std::optional<std::string> path = reader.ReadPath(file);
  const std::optional<std::string> name = reader.ReadEnvName(env);
  if (file && env) {
    const Location second = Before(file->where, env->where) ? env->where : file->where;
    reader.Error(second,
                 owner + " takes " + Quote(file_key) + " or " + Quote(env_key) + ", not both");
    return;
  }
  if (!keys.read) return;
  const std::string what = owner + "." + keys.prefix;
  if (path) {
    Assign(reader.LoadSecretFile(*path, file->where, what), secret);
  } else if (name) {
    Assign(reader.LoadSecretEnv(*name, env->where, what), secret);
  } else if (keys.required && !file && !env) {
    reader.Error(map.where(), owner + " needs " + Quote(file_key) + " or " + Quote(env_key));
  }
}

}  // namespace freshd::config::internal
