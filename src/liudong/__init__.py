"""liudong: 流动党员管理服务平台 (mobile party member management and service platform)."""

__version__ = "0.1.0"
