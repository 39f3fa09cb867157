"""ringback: an outbound call-campaign engine for voice bots, compatible with JAICP's dialer."""

__version__ = "0.1.0"
