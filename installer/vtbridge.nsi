; vtbridge Windows installer (NSIS 3, 64-bit, Unicode). Built by installer/build.py; compile by hand with
;   makensis -DVERSION=0.2.0 -DPAYLOAD=dist/vtbridge -DOUTFILE=dist/vtbridge-0.2.0-setup.exe \
;            [-DICON=build/icon/vtbridge.ico] [-DLICENSE=dist/vtbridge/licenses/README.txt] installer/vtbridge.nsi
;
; Per user, no admin rights: files go to %LOCALAPPDATA%\Programs\vtbridge, the shortcut to the user's Start menu,
; the optional "Start with Windows" entry to HKCU\...\Run, the Apps & features entry to HKCU\...\Uninstall.
; User data (%LOCALAPPDATA%\vtbridge: config, profiles, calibration, logs, converted models) is never touched by an
; install or an upgrade, and the uninstaller removes it only when its box is ticked.
;
; Silent use: setup.exe /S [/AUTOSTART] [/DESKTOP] [/D=dir]    uninstall.exe /S [/REMOVEUSERDATA]
;             setup.exe /CHECKVCAM  -> exit code 0 when OBS Virtual Camera is registered, 2 when not (no install)

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!include MUI2.nsh
!include nsDialogs.nsh
!include LogicLib.nsh
!include FileFunc.nsh

!ifndef VERSION
  !error "define VERSION (makensis -DVERSION=...)"
!endif
!ifndef PAYLOAD
  !error "define PAYLOAD, the PyInstaller one-folder bundle (makensis -DPAYLOAD=dist/vtbridge)"
!endif
!ifndef FILEVERSION
  !define FILEVERSION "${VERSION}.0"   ; build.py passes the four-number form of any version
!endif
!ifndef OUTFILE
  !define OUTFILE "vtbridge-${VERSION}-setup.exe"
!endif

!define APP "vtbridge"
!define GUI_EXE "vtbridgew.exe"      ; windowed launcher (vtbridge.daemon.autostart.GUI_LAUNCHER)
!define CLI_EXE "vtbridge.exe"       ; console CLI
; The same value the app's own "Start with system" writes (vtbridge.daemon.autostart.RUN_KEY / RUN_VALUE), so the
; tray item and this installer show and change one setting.
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_VALUE "vtbridge"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\vtbridge"
; OBS Virtual Camera's DirectShow filter, as OBS registers it (obsproject/obs-studio
; plugins/win-dshow/virtualcam-module/virtualcam-install.bat.in) and as pyvirtualcam looks it up
; (letmaik/pyvirtualcam pyvirtualcam/native_windows_obs/virtual_output.h).
!define OBS_VCAM_CLSID "{A3FCE0F5-3493-419F-958A-ABA1250EC20B}"
!define OBS_DOWNLOAD "https://obsproject.com/download"
; platformdirs' user config/state/log folder for "vtbridge" on Windows (appauthor=False).
!define USERDATA "$LOCALAPPDATA\vtbridge"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
BrandingText "${APP} ${VERSION}"
VIProductVersion "${FILEVERSION}"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "FileVersion" "${FILEVERSION}"
VIAddVersionKey "LegalCopyright" "vtbridge contributors (MIT); bundled components under their own licences"

Var VCam          ; "1" when OBS Virtual Camera is registered
Var VCamDll       ; its registered DLL

!define MUI_ABORTWARNING
!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${GUI_EXE}"
!define MUI_FINISHPAGE_RUN_PARAMETERS "run"
!define MUI_FINISHPAGE_RUN_TEXT "Start vtbridge now (it appears in the tray)"

!insertmacro MUI_PAGE_WELCOME
!ifdef LICENSE
  !insertmacro MUI_PAGE_LICENSE "${LICENSE}"
!endif
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
Page custom VirtualCameraPage
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; A running vtbridge holds its DLLs open, so files could be neither replaced nor removed. Stop it first (the
; daemon's config and profile writes are atomic, so nothing the user saved is lost); without admin rights taskkill
; only reaches this user's own processes.
!macro StopRunningVtbridge
  nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${GUI_EXE}'
  Pop $0
  nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${CLI_EXE}'
  Pop $0
  Sleep 500
!macroend

; ---- installer -------------------------------------------------------------------------------------------------

Section "vtbridge (required)" SecMain
  SectionIn RO
  SetShellVarContext current
  !insertmacro StopRunningVtbridge
  ; An upgrade replaces the program folder wholesale (stale libraries from the old version would shadow the new);
  ; only the folders this installer owns are removed, never the user data folder.
  RMDir /r "$INSTDIR\_internal"
  RMDir /r "$INSTDIR\licenses"
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${GUI_EXE}" "run" "$INSTDIR\${GUI_EXE}" 0 \
      SW_SHOWNORMAL "" "Webcam face motion capture for VTubers"
  ; "Start with Windows" is whatever its box says now: cleared here, written by SecAutostart when ticked.
  DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"

  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "vtbridge contributors"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE},0"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

Section /o "Start with Windows" SecAutostart
  WriteRegStr HKCU "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\${GUI_EXE}" run'
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  SetShellVarContext current
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${GUI_EXE}" "run" "$INSTDIR\${GUI_EXE}" 0
SectionEnd

Function DetectVirtualCamera
  ; Registered means: the class exists in HKCR (what pyvirtualcam opens) and its DLL is still on disk (an OBS
  ; uninstalled by deleting its folder leaves the registration behind).
  StrCpy $VCam "0"
  SetRegView 64
  ReadRegStr $VCamDll HKCR "CLSID\${OBS_VCAM_CLSID}\InprocServer32" ""
  ${If} $VCamDll != ""
  ${AndIf} ${FileExists} "$VCamDll"
    StrCpy $VCam "1"
  ${EndIf}
FunctionEnd

Function VirtualCameraPage
  Call DetectVirtualCamera
  !insertmacro MUI_HEADER_TEXT "Virtual camera" "For vtbridge's virtual webcam in Zoom, Teams, Discord or OBS"
  nsDialogs::Create 1018
  Pop $0
  ${If} $VCam == "1"
    ${NSD_CreateLabel} 0 0 100% 60u "OBS Virtual Camera is installed ($VCamDll).$\r$\n$\r$\nvtbridge's virtual \
webcam will appear in meeting apps as $\"OBS Virtual Camera$\". Close OBS's own virtual camera while vtbridge uses it."
    Pop $0
  ${Else}
    ${NSD_CreateLabel} 0 0 100% 76u "No virtual camera was found (OBS Virtual Camera is not registered).$\r$\n$\r$\n\
Face tracking for VSeeFace, VNyan, Warudo and VTube Studio works without it. For vtbridge's virtual webcam in \
meetings, install OBS Studio 26.1 or newer (free): its installer registers $\"OBS Virtual Camera$\". With a portable \
OBS, run its virtualcam-install.bat as administrator once.$\r$\n$\r$\nYou can do this later: vtbridge finds the \
camera the next time it starts."
    Pop $0
    ${NSD_CreateLink} 0 80u 100% 12u "Download OBS Studio: ${OBS_DOWNLOAD}"
    Pop $1
    ${NSD_OnClick} $1 OpenObsDownload
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function OpenObsDownload
  ExecShell "open" "${OBS_DOWNLOAD}"
FunctionEnd

Function .onInit
  SetShellVarContext current
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/CHECKVCAM" $R1
  ${IfNot} ${Errors}
    Call DetectVirtualCamera
    ${If} $VCam == "1"
      SetErrorLevel 0
    ${Else}
      SetErrorLevel 2
    ${EndIf}
    Quit
  ${EndIf}
  ; An upgrade keeps "Start with Windows" as the user (or the tray item) left it.
  ClearErrors
  ReadRegStr $R1 HKCU "${RUN_KEY}" "${RUN_VALUE}"
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecAutostart}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/AUTOSTART" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecAutostart}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/DESKTOP" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecDesktop}
  ${EndIf}
FunctionEnd

; ---- uninstaller -----------------------------------------------------------------------------------------------

Section "un.vtbridge (program, shortcuts, start with Windows)" UnSecMain
  SectionIn RO
  SetShellVarContext current
  !insertmacro StopRunningVtbridge
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$DESKTOP\${APP}.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  ; Only what the installer put there: a user who installed into a folder of their own keeps its other files.
  RMDir /r "$INSTDIR\_internal"
  RMDir /r "$INSTDIR\licenses"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd

Section /o "un.Also remove my profiles, settings, calibration, logs and converted models" UnSecUserData
  SetShellVarContext current
  RMDir /r "${USERDATA}"
SectionEnd

Function un.onInit
  SetShellVarContext current
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEUSERDATA" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UnSecUserData}
  ${EndIf}
FunctionEnd
