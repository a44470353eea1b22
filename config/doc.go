// Package config reads liaisond's TOML configuration into a validated Config, reporting
// every problem at once with the key and line it concerns; secrets are read from files.
package config
