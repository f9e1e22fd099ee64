# bash completion for sluice. Installed as
# share/bash-completion/completions/sluice; to try it: source tools/completion/sluice.bash
#
# Subcommands and their options are read from the binary's own --help (and
# kept for the shell session), so a new subcommand or flag completes without
# editing this file. Positional arguments complete as files (job files,
# output directories), gen's as its datasets, a few options as their values.

_sluice_help_words() {
  # $1: the binary, $2: a subcommand or empty. Prints the subcommand names
  # (no $2) or the subcommand's --options, one per line.
  local binary=$1 subcommand=$2
  if [[ -z $subcommand ]]; then
    "$binary" --help 2>/dev/null | awk '/^[A-Za-z]*[Ss]ubcommands:/ {in_list = 1; next}
      in_list && /^  [a-z]/ {print $1; next} in_list && !/^  / {in_list = 0}'
  else
    "$binary" "$subcommand" --help 2>/dev/null | grep -oE '(^|[ ,])--[a-z][a-z-]*' |
      tr -d ' ,' | sort -u
  fi
}

_sluice() {
  local cur prev binary=${COMP_WORDS[0]}
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  local key=${binary//[^A-Za-z0-9]/_}
  local subcommands_var=_sluice_subcommands_$key
  if [[ -z ${!subcommands_var:-} ]]; then
    printf -v "$subcommands_var" '%s' "$(_sluice_help_words "$binary" "")"
  fi
  local subcommands=${!subcommands_var}

  # The subcommand: the first word after the binary that is one.
  local subcommand="" word index
  for ((index = 1; index < COMP_CWORD; index++)); do
    word=${COMP_WORDS[index]}
    if [[ $'\n'$subcommands$'\n' == *$'\n'$word$'\n'* ]]; then
      subcommand=$word
      break
    fi
  done

  case $prev in
    --log-format) mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur"); return ;;
    --log-level)
      mapfile -t COMPREPLY < <(compgen -W "trace debug info warn error critical off" -- "$cur")
      return ;;
    --state | --out | --curve-secret | --coordinator-key | --authorized-keys)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    --workers | --slots | --rows | --seed | --coordinator | --listen | --http | \
      --multiline-rate | --format)
      return ;;
  esac

  if [[ -z $subcommand ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "--help --version --log-format --log-level" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_sluice_help_words "$binary" "$subcommand")" -- "$cur")
    return
  fi
  case $subcommand in
    gen) mapfile -t COMPREPLY < <(compgen -W "parking registrations" -- "$cur") ;;
    run | submit | check)
      local candidate
      COMPREPLY=()
      while IFS= read -r candidate; do
        [[ -d $candidate || $candidate == *.yaml || $candidate == *.yml || $candidate == *.json ]] &&
          COMPREPLY+=("$candidate")
      done < <(compgen -f -- "$cur") ;;
    *) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
}

complete -F _sluice sluice
