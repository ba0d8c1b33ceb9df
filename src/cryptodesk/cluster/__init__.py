"""What several CryptoDesk processes on one database share: cluster-wide jobs."""
