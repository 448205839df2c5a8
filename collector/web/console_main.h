#pragma once

// The console as `serve` runs it: the --web flags, and Console, which opens
// its own store connections and grading service, builds the API and starts
// the HTTPS server. cmd_serve adds the flags and calls StartConsole; nothing
// else of the console leaks into the CLI.
//
// Thread safety: start and stop from one thread.

#include <boost/program_options.hpp>
#include <memory>
#include <string>

#include "collector/store/store.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::web {

struct ConsoleFlags {
  std::string web;            // ADDR:PORT; empty = no console
  std::string web_port_file;  // write the bound port here
  bool web_insecure_loopback = false;
};

// Adds --web, --web-port-file and --web-insecure-loopback to `options`.
void AddConsoleFlags(boost::program_options::options_description& options,
                     ConsoleFlags* flags);

struct ConsolePaths {
  // The store URL (open_store.h): sqlite:PATH or postgresql://…
  std::string store_url;
  std::string custom_policy_dir;
  std::string server_key;
  std::string server_cert;
  std::string ca_cert;
  std::string signing_key;  // the evidence packs' Ed25519 key
};

class Console {
 public:
  virtual ~Console() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
};

// Starts the console when flags.web is set (nullptr when it is not).
// `grpc_address` is where agents reach the collector (shown on the
// enrollment page). Errors name the flag or file at fault.
Result<std::unique_ptr<Console>> StartConsole(const ConsoleFlags& flags,
                                              const ConsolePaths& paths,
                                              store::Store& store,
                                              const std::string& grpc_address,
                                              const Clock& clock);

}  // namespace mamori::web
