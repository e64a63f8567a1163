"""Local fakes of the services the bridge talks to, speaking their real HTTP protocol."""
